// The demo notebook page: code cells (CodeMirror 6 with Python), Shift+Enter to run, outputs,
// an "add cell" button and the status line. Completions come only through the public API.
import { python } from '@codemirror/lang-python'
import { EditorState, Prec } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import { EditorView, basicSetup } from 'codemirror'

const STATE_TEXT = {
  starting: (detail) => `Kernel starting: ${detail}…`,
  ready: () => 'Kernel ready',
  busy: () => 'Kernel busy',
  error: (detail) => `Kernel error: ${detail}`,
}
const COMPLETION_TEXT = {
  starting: (detail) => `Completions starting: ${detail}…`,
  ready: () => 'Completions on',
  error: (detail) => `Completions off: ${detail}`,
}

const WELCOME = `# Shift+Enter runs a cell. Completions appear as you type; Ctrl+Space asks at once.
import math
radius = 2.5
math.pi * radius ** 2`

export function mountNotebook(root, lc) {
  root.replaceChildren()
  root.append(header(lc), storagePanel(lc))
  const cells = el('main', { className: 'cells' })
  const addButton = el('button', { className: 'add-cell', type: 'button', textContent: '+ Code cell' })
  root.append(cells, addButton)

  let nextCell = 1
  const addCell = (text = '', after = null) => {
    const cell = new Cell(`cell-${nextCell++}`, text, lc, { runAndAdvance })
    if (after) after.element.after(cell.element)
    else cells.append(cell.element)
    return cell
  }
  async function runAndAdvance(cell) {
    const next = cell.element.nextElementSibling?.cell ?? addCell('', cell)
    next.view.focus()
    await cell.run()
  }
  addButton.addEventListener('click', () => addCell().view.focus())
  lc.kernel.addEventListener('restart', () => {
    for (const node of cells.children) node.cell.markStale()
  })

  addCell(WELCOME)
  addCell()
  addCell()
}

function header(lc) {
  const kernelStatus = el('span', { id: 'kernel-status', className: 'status' })
  const restart = el('button', {
    id: 'restart-kernel', type: 'button', className: 'restart', textContent: 'Restart kernel', hidden: true,
    title: 'Stop the kernel and start a fresh one (variables from cells are lost)',
  })
  restart.addEventListener('click', () => lc.kernel.restart())
  const completionStatus = el('span', { id: 'completion-status', className: 'status' })
  const show = (node, texts, { state, detail }) => {
    node.dataset.state = state
    node.textContent = texts[state](detail)
  }
  // Offered when the kernel is stuck or stopped, and while a cell runs (it may never end).
  const showRestart = ({ state }) => { restart.hidden = !(state === 'error' || state === 'busy') }
  show(kernelStatus, STATE_TEXT, lc.kernel)
  show(completionStatus, COMPLETION_TEXT, lc)
  lc.kernel.addEventListener('state', (e) => {
    show(kernelStatus, STATE_TEXT, e.detail)
    showRestart(e.detail)
  })
  lc.addEventListener('state', (e) => show(completionStatus, COMPLETION_TEXT, e.detail))
  // Shown while a remote kernel answers this notebook's completions (the page's own stands by).
  const remoteKernel = el('span', { id: 'remote-kernel', className: 'status', hidden: true })
  lc.addEventListener('remote-kernel', ({ detail: { kernelId } }) => {
    remoteKernel.hidden = !kernelId
    remoteKernel.textContent = kernelId ? `Completions by remote kernel ${kernelId}` : ''
    if (kernelId) remoteKernel.dataset.kernelId = kernelId
    else delete remoteKernel.dataset.kernelId
  })
  const sync = lc.syncUrl
    ? [el('span', { id: 'sync-url', className: 'sync', title: 'the completion store syncs through', textContent: `sync: ${lc.syncUrl}` })]
    : []
  lc.addEventListener('sync', ({ detail: { connected } }) => {
    sync[0].dataset.connected = String(connected)
    sync[0].textContent = `sync: ${lc.syncUrl} (${connected ? 'connected' : 'offline, reconnecting'})`
  })
  return el('header', { className: 'bar' }, [
    el('h1', { textContent: 'livecomplete' }),
    el('span', { className: 'notebook-id', title: 'notebook id', textContent: lc.notebookId }),
    ...sync,
    el('span', { className: 'spacer' }),
    remoteKernel,
    completionStatus,
    kernelStatus,
    restart,
  ])
}

function storagePanel(lc) {
  const summary = el('summary', { textContent: 'Storage' })
  const store = el('dd', { className: 'store-bytes', textContent: '…' })
  const origin = el('dd', { className: 'origin-usage', textContent: '…' })
  const last = el('dd', { className: 'last-cleanup', textContent: 'no round yet' })
  const details = el('ul', { className: 'cleanup-details' })
  const cleanButton = el('button', { type: 'button', className: 'clean-now', textContent: 'Clean up now' })
  const panel = el('details', { id: 'storage-panel', className: 'storage' }, [
    summary,
    el('dl', {}, [
      el('dt', { textContent: 'This notebook’s completion store' }), store,
      el('dt', { textContent: 'This site’s storage' }), origin,
      el('dt', { textContent: 'Last cleanup' }), last,
    ]),
    details,
    cleanButton,
  ])

  const refresh = async () => {
    const report = await lc.storageReport()
    store.textContent = report.storeBytes == null ? 'not created yet' : formatBytes(report.storeBytes)
    origin.textContent =
      report.usage == null ? 'unknown' : `${formatBytes(report.usage)} of ${formatBytes(report.quota)} quota`
    summary.textContent = `Storage · completion store ${store.textContent} · site ${formatBytes(report.usage ?? 0)}`
    showCleanup(report.lastCleanup)
  }
  const showCleanup = (cleanup) => {
    if (!cleanup) return
    const when = new Date(cleanup.startedAt).toLocaleTimeString()
    last.textContent = `${cleanup.summary} (${when})`
    details.replaceChildren(
      ...cleanup.removed.map((r) => el('li', { textContent: `removed ${r.name} (${formatBytes(r.bytes)}): ${r.reason}` })),
      ...cleanup.skipped.map((s) => el('li', { className: 'skipped', textContent: `kept ${s.name}: ${s.why}` })),
    )
  }
  lc.addEventListener('cleanup', (e) => {
    showCleanup(e.detail)
    refresh()
  })
  // Said once, where the person looks for storage; a later notice replaces the earlier one.
  let banner = null
  lc.addEventListener('storage', (e) => {
    if (!banner) panel.before((banner = el('p', { className: 'banner', id: 'storage-problem' })))
    banner.textContent = e.detail.text
    banner.dataset.persisted = String(e.detail.persisted)
    cleanButton.disabled = !e.detail.persisted
    refresh()
  })
  lc.ready.then(refresh)
  panel.addEventListener('toggle', () => panel.open && refresh())
  cleanButton.addEventListener('click', async () => {
    cleanButton.disabled = true
    try {
      await lc.cleanupNow()
    } finally {
      cleanButton.disabled = false
    }
  })
  return panel
}

function formatBytes(count) {
  if (count == null) return 'unknown'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let size = count
  let unit = 0
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024
    unit += 1
  }
  return unit === 0 ? `${size} B` : `${size.toFixed(1)} ${units[unit]}`
}

class Cell {
  constructor(id, text, lc, { runAndAdvance }) {
    this.id = id
    this.lc = lc
    this.prompt = el('div', { className: 'prompt', textContent: '[ ]:' })
    this.output = el('div', { className: 'output' })
    const runButton = el('button', { className: 'run', type: 'button', title: 'Run (Shift+Enter)', textContent: '▶' })
    const editorHost = el('div', { className: 'editor' })
    this.element = el('section', { className: 'cell' }, [
      el('div', { className: 'gutter' }, [this.prompt, runButton]),
      el('div', { className: 'body' }, [editorHost, this.output]),
    ])
    this.element.dataset.cellId = id
    this.element.cell = this
    const runKey = { key: 'Shift-Enter', run: () => (runAndAdvance(this), true) }
    this.view = new EditorView({
      parent: editorHost,
      state: EditorState.create({
        doc: text,
        extensions: [Prec.highest(keymap.of([runKey])), basicSetup, python(), lc.completion(id)],
      }),
    })
    runButton.addEventListener('click', () => this.run())
  }

  async run() {
    this.prompt.textContent = '[*]:'
    this.element.classList.add('running')
    try {
      const result = await this.lc.kernel.run(this.view.state.doc.toString())
      this.prompt.textContent = `[${result.executionCount}]:`
      this.showOutput(result)
    } catch (error) {
      this.prompt.textContent = '[!]:'
      this.showOutput({ error: `The kernel could not run this cell: ${error.message}` })
    } finally {
      this.element.classList.remove('running')
    }
  }

  /** The kernel restarted: this cell's output came from a namespace that is gone. */
  markStale() {
    if (this.prompt.textContent !== '[ ]:') this.prompt.textContent = '[ ]:'
    this.output.classList.add('stale')
  }

  showOutput({ stdout = '', stderr = '', value = null, error = null }) {
    const blocks = [
      ['stdout', stdout],
      ['stderr', stderr],
      ['value', value ?? ''],
      ['error', error ?? ''],
    ].filter(([, text]) => text)
    // textContent only: output is the user's program talking, never markup.
    this.output.classList.remove('stale')
    this.output.replaceChildren(...blocks.map(([kind, text]) => el('pre', { className: kind, textContent: text })))
  }
}

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}
