// The notebook page: code cells (CodeMirror 6 with Python) rendered from the notebook's main store
// (lc.notebook), Shift+Enter to run, outputs, cell tools (move, add, delete) and the status line.
// Completions and the notebook come only through the public API.
import { python } from '@codemirror/lang-python'
import { Compartment, EditorState, Prec } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import { EditorView, basicSetup } from 'codemirror'
import { optionValue } from './facts.js'

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

/** A new notebook's first cell. */
export const WELCOME = `# Shift+Enter runs a cell. Completions appear as you type; Ctrl+Space asks at once.
import math
radius = 2.5
math.pi * radius ** 2`

// The last view the store gave is kept in localStorage and shown at once on the next visit, so
// the cells take keys before the notebook's store has opened (a second or so on a small machine);
// the store's view then replaces it, keeping what was typed meanwhile (saved once it opens).
// Views larger than this are not kept.
const CACHED_VIEW_MAX_CHARS = 300_000
const CACHED_VIEW_SAVE_MS = 1000

// A cell's source is saved when typing pauses (option sourceSaveMs), and at least this many times
// that while typing goes on, so another tab never lags far behind a long burst.
const SAVE_AT_LEAST_EVERY = 6

export function mountNotebook(root, lc) {
  root.replaceChildren()
  const notice = el('p', { id: 'kernel-notice', className: 'notice', hidden: true })
  root.append(header(lc), storagePanel(lc), notice)
  const cells = el('main', { className: 'cells' }, [el('p', { className: 'loading', textContent: 'Opening the notebook…' })])
  const addButton = el('button', { className: 'add-cell', type: 'button', textContent: '+ Code cell', disabled: true })
  root.append(cells, addButton)
  const notebook = lc.notebook
  const saveMs = optionValue(lc.options, 'sourceSaveMs')
  const views = new Map() // cell id -> Cell
  let focusWhenShown = null
  let stale = new Map() // cell id -> the execution count whose output came from a namespace now gone
  let shown = null // the view on screen: the cached one until the store's arrives
  const cacheKey = `livecomplete-view:${lc.notebookId}`
  let cacheTimer = null

  // A cell just added is focused as soon as the store shows it.
  const focus = (id) => {
    if (views.has(id)) views.get(id).view.focus()
    else focusWhenShown = id
  }
  const actions = {
    async runAndAdvance(cell) {
      const order = shown.cells.map((c) => c.id)
      const nextId = order[order.indexOf(cell.id) + 1]
      const running = cell.run()
      focus(nextId ?? (await notebook.addCell(cell.id)))
      await running
    },
    async addAfter(cell) {
      focus(await notebook.addCell(cell?.id ?? null))
    },
    isStale: (id, count) => stale.get(id) === count,
  }
  const render = (view, { cached = false } = {}) => {
    if (!view) return
    shown = view
    const loading = cells.querySelector('.loading')
    loading?.remove()
    addButton.disabled = false
    const present = new Set()
    let previous = null
    for (const data of view.cells) {
      present.add(data.id)
      let cell = views.get(data.id)
      if (!cell) {
        cell = new Cell(data.id, lc, { saveMs, actions })
        views.set(data.id, cell)
      }
      cell.update(data)
      // In the store's order: move a node only when it is out of place (keeps focus and scroll).
      const expected = previous ? previous.element.nextElementSibling : cells.firstElementChild
      if (expected !== cell.element) {
        if (previous) previous.element.after(cell.element)
        else cells.prepend(cell.element)
      }
      previous = cell
      if (focusWhenShown === data.id) {
        focusWhenShown = null
        cell.view.focus()
      }
    }
    for (const [id, cell] of views) {
      if (!present.has(id)) {
        cell.destroy()
        views.delete(id)
      }
    }
    if (cached) {
      performance.mark('livecomplete:notebook-cached-shown')
      return
    }
    // Every cell of the store's first view is in the DOM (bench notebook).
    if (!performance.getEntriesByName('livecomplete:notebook-shown').length) performance.mark('livecomplete:notebook-shown')
    clearTimeout(cacheTimer)
    cacheTimer = setTimeout(() => keepView(cacheKey, view), CACHED_VIEW_SAVE_MS)
  }
  notebook.addEventListener('change', (e) => render(e.detail))
  // Said above the cells, apart from the completion store's notices: this is the person's work.
  const problem = el('p', { id: 'notebook-problem', className: 'problem', hidden: true })
  cells.before(problem)
  const showProblem = (text) => {
    problem.hidden = !text
    problem.textContent = text ?? ''
  }
  showProblem(notebook.storageProblem)
  notebook.addEventListener('problem', (e) => showProblem(e.detail.text))
  if (notebook.view) render(notebook.view)
  else render(keptView(cacheKey), { cached: true })
  addButton.addEventListener('click', () => actions.addAfter(views.get(shown?.cells.at(-1)?.id) ?? null))

  // The namespace the cells ran in is gone: their outputs stay, marked, until they run again.
  const markAllStale = () => {
    stale = new Map((shown?.cells ?? []).map((c) => [c.id, c.executionCount]))
    render(shown, { cached: !notebook.view })
  }
  lc.kernel.addEventListener('restart', markAllStale)
  // Cells shown from the kept view before the backend named this page's role follow it.
  lc.addEventListener('sync-role', () => {
    for (const cell of views.values()) cell.setReadOnly(notebook.readOnly)
  })
  let serving
  lc.addEventListener('remote-kernel', ({ detail: { kernelId } }) => {
    const before = serving
    serving = kernelId ?? null
    if (before === undefined || before === serving) return
    notice.hidden = false
    notice.textContent = serving
      ? `Runs now go to remote kernel ${serving}. The names that earlier runs defined are not there: the namespace was reset.`
      : `Remote kernel ${before} is gone: runs now go to this page's kernel. The namespace was reset: run the cells you need again.`
    markAllStale()
  })
}

/** The view kept for this notebook by an earlier visit, or null. Never throws. */
function keptView(key) {
  try {
    const view = JSON.parse(localStorage.getItem(key) ?? 'null')
    return Array.isArray(view?.cells) ? view : null
  } catch {
    return null
  }
}

function keepView(key, view) {
  try {
    const text = JSON.stringify(view)
    if (text.length <= CACHED_VIEW_MAX_CHARS) localStorage.setItem(key, text)
    else localStorage.removeItem(key)
  } catch {
    // storage full or refused: the next visit waits for the store, as without a kept view
  }
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
  const showServing = (kernelId) => {
    // Without a kernel token the page's own kernel never serves a synced notebook (docs/access.md).
    const waiting = !kernelId && lc.syncRole !== null && lc.syncRole !== 'kernel'
    remoteKernel.hidden = !kernelId && !waiting
    remoteKernel.textContent = kernelId
      ? `Completions by remote kernel ${kernelId}`
      : waiting ? 'No kernel serves this notebook yet: runs and completions wait for one' : ''
    if (kernelId) remoteKernel.dataset.kernelId = kernelId
    else delete remoteKernel.dataset.kernelId
  }
  lc.addEventListener('remote-kernel', ({ detail: { kernelId } }) => showServing(kernelId))
  // No event comes while nobody serves from the start.
  lc.ready.then(() => showServing(lc.remoteKernel))
  const syncUrl = lc.syncUrl
  const sync = syncUrl
    ? [el('span', { id: 'sync-url', className: 'sync', title: 'the notebook syncs through', textContent: `sync: ${syncUrl}` })]
    : []
  const role = () => (lc.syncRole && lc.syncRole !== 'write' ? `, ${lc.syncRole === 'read' ? 'read only' : 'kernel'}` : '')
  lc.addEventListener('sync', ({ detail: { connected } }) => {
    if (sync[0].dataset.refused) return
    sync[0].dataset.connected = String(connected)
    sync[0].textContent = `sync: ${syncUrl} (${connected ? 'connected' : 'offline, reconnecting'}${role()})`
  })
  lc.addEventListener('sync-role', ({ detail }) => {
    sync[0].dataset.role = detail.role
    document.body.classList.toggle('read-only', detail.role === 'read')
  })
  lc.addEventListener('sync-refused', ({ detail: { why } }) => {
    sync[0].dataset.refused = 'true'
    sync[0].textContent = `not synced: ${syncUrl} refused this page`
    const banner = el('p', { id: 'sync-refused', className: 'banner', textContent: `Not allowed to open this notebook: ${why}. It stays in this browser only.` })
    document.querySelector('#sync-refused')?.remove()
    document.querySelector('header.bar')?.after(banner)
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
  const notebookBytes = el('dd', { className: 'notebook-bytes', textContent: '…' })
  const store = el('dd', { className: 'store-bytes', textContent: '…' })
  const origin = el('dd', { className: 'origin-usage', textContent: '…' })
  const last = el('dd', { className: 'last-cleanup', textContent: 'no round yet' })
  const details = el('ul', { className: 'cleanup-details' })
  const cleanButton = el('button', { type: 'button', className: 'clean-now', textContent: 'Clean up now' })
  const panel = el('details', { id: 'storage-panel', className: 'storage' }, [
    summary,
    el('dl', {}, [
      el('dt', { textContent: 'This notebook (cells, runs, outputs)' }), notebookBytes,
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
    notebookBytes.textContent = lc.notebook?.persisted === false
      ? 'in memory (this page only)'
      : report.notebookBytes == null ? 'not saved yet' : formatBytes(report.notebookBytes)
    origin.textContent =
      report.usage == null ? 'unknown' : `${formatBytes(report.usage)} of ${formatBytes(report.quota)} quota`
    summary.textContent =
      `Storage · notebook ${notebookBytes.textContent} · completion store ${store.textContent} · site ${formatBytes(report.usage ?? 0)}`
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
  #unsaved = false
  #saveTimer = null
  #firstUnsavedAt = 0
  #applyingStore = false
  #editable = new Compartment()

  constructor(id, lc, { saveMs, actions }) {
    this.id = id
    this.lc = lc
    this.saveMs = saveMs
    this.actions = actions
    this.prompt = el('div', { className: 'prompt', textContent: '[ ]:' })
    this.output = el('div', { className: 'output' })
    this.clipped = el('p', { className: 'clipped', hidden: true })
    const button = (className, title, text, onClick) => {
      const node = el('button', { className, type: 'button', title, textContent: text })
      node.addEventListener('click', onClick)
      return node
    }
    const editorHost = el('div', { className: 'editor' })
    this.element = el('section', { className: 'cell' }, [
      el('div', { className: 'gutter' }, [
        this.prompt,
        button('run', 'Run (Shift+Enter)', '▶', () => this.run()),
      ]),
      el('div', { className: 'body' }, [editorHost, this.clipped, this.output]),
      el('div', { className: 'cell-tools' }, [
        button('move-up', 'Move up', '↑', () => lc.notebook.moveCell(id, -1)),
        button('move-down', 'Move down', '↓', () => lc.notebook.moveCell(id, 1)),
        button('add-below', 'Add a cell below', '+', () => actions.addAfter(this)),
        button('delete', 'Delete cell', '✕', () => this.delete()),
      ]),
    ])
    this.element.dataset.cellId = id
    this.element.cell = this
    const runKey = { key: 'Shift-Enter', run: () => (actions.runAndAdvance(this), true) }
    this.view = new EditorView({
      parent: editorHost,
      state: EditorState.create({
        doc: '',
        extensions: [
          Prec.highest(keymap.of([runKey])),
          basicSetup,
          python(),
          lc.completion(id),
          this.#editable.of(editability(lc.notebook.readOnly)),
          EditorView.updateListener.of((update) => update.docChanged && !this.#applyingStore && this.#edited()),
          EditorView.domEventHandlers({ blur: () => this.save() }),
        ],
      }),
    })
  }

  /** A read token: the cell can be read and copied, not changed (notebook-handle.js refuses too). */
  setReadOnly(readOnly) {
    this.view.dispatch({ effects: this.#editable.reconfigure(editability(readOnly)) })
  }

  /** Whether the person typed since the cell's source was last saved. */
  get unsaved() {
    return this.#unsaved
  }

  /** Show the cell as the store has it; the person's unsaved typing wins over an older source. */
  update({ source, sourceClipped, executionCount, executionState, outputs }) {
    const current = this.view.state.doc.toString()
    if (!this.#unsaved && source !== current) this.#replaceText(current, source)
    this.clipped.hidden = !sourceClipped
    this.clipped.textContent = sourceClipped ? 'This cell’s source was cut to the size a notebook keeps.' : ''
    const busy = executionState === 'queued' || executionState === 'running'
    const stale = !busy && this.actions.isStale(this.id, executionCount)
    this.element.dataset.executionState = executionState
    this.element.classList.toggle('running', busy)
    this.prompt.textContent = busy ? '[*]:' : executionCount == null || stale ? '[ ]:' : `[${executionCount}]:`
    this.prompt.title = { queued: 'queued', running: 'running' }[executionState] ?? ''
    this.output.classList.toggle('stale', stale)
    // textContent only: output is the user's program talking, never markup.
    const blocks = outputs.map(({ kind, text }) => el('pre', { className: kind, textContent: text }))
    if (!sameBlocks(this.output.children, blocks)) this.output.replaceChildren(...blocks)
  }

  /** Ask the kernel serving the notebook to run this cell (its text is saved with the request). */
  async run() {
    clearTimeout(this.#saveTimer)
    this.#unsaved = false
    try {
      await this.lc.notebook.run(this.id, this.view.state.doc.toString())
    } catch (error) {
      this.output.replaceChildren(el('pre', { className: 'error', textContent: `Could not ask for a run: ${error.message}` }))
    }
  }

  /** Save the source now, if it changed since the last save. */
  save() {
    clearTimeout(this.#saveTimer)
    if (!this.#unsaved) return
    this.#unsaved = false
    this.lc.notebook.setSource(this.id, this.view.state.doc.toString())
  }

  async delete() {
    clearTimeout(this.#saveTimer)
    this.#unsaved = false
    await this.lc.notebook.deleteCell(this.id)
  }

  destroy() {
    clearTimeout(this.#saveTimer)
    this.view.destroy()
    this.element.remove()
  }

  #edited() {
    const now = performance.now()
    if (!this.#unsaved) this.#firstUnsavedAt = now
    this.#unsaved = true
    clearTimeout(this.#saveTimer)
    const waited = now - this.#firstUnsavedAt
    const wait = Math.min(this.saveMs, Math.max(0, this.saveMs * SAVE_AT_LEAST_EVERY - waited))
    this.#saveTimer = setTimeout(() => this.save(), wait)
  }

  /** Replace the editor's text by `next` as one change of the part that differs, so the
   * person's cursor stays where it was when someone else edits elsewhere in the cell. */
  #replaceText(current, next) {
    let start = 0
    while (start < current.length && start < next.length && current[start] === next[start]) start += 1
    let end = 0
    while (
      end < current.length - start && end < next.length - start &&
      current[current.length - 1 - end] === next[next.length - 1 - end]
    ) end += 1
    this.#applyingStore = true
    try {
      this.view.dispatch({ changes: { from: start, to: current.length - end, insert: next.slice(start, next.length - end) } })
    } finally {
      this.#applyingStore = false
    }
  }
}

function sameBlocks(shown, blocks) {
  return shown.length === blocks.length &&
    blocks.every((b, i) => shown[i].className === b.className && shown[i].textContent === b.textContent)
}

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}

const editability = (readOnly) => [EditorView.editable.of(!readOnly), EditorState.readOnly.of(readOnly)]
