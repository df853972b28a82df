// The notebook page: code cells (CodeMirror 6 with Python) rendered from the notebook's main store
// (lc.notebook), Shift+Enter to run, outputs, cell tools (move, add, delete) and the status line.
// Completions and the notebook come only through the public API.
import { optionValue } from './facts.js'
import { el } from './dom.js'
import { Cell } from './notebook-cell.js'
import { notebookHeader } from './notebook-header.js'
import { storagePanel } from './storage-panel.js'
import { keepView, keptView } from './view-cache.js'

/** A new notebook's first cell. */
export const WELCOME = `# Shift+Enter runs a cell. Completions come after a dot or when you pause; Ctrl+Space asks at once.
import math
radius = 2.5
math.pi * radius ** 2`

// The store's view is kept for the next visit this long after it last changed.
const CACHED_VIEW_SAVE_MS = 1000

export function mountNotebook(root, lc) {
  root.replaceChildren()
  const notice = el('p', { id: 'kernel-notice', className: 'notice', hidden: true })
  root.append(notebookHeader(lc), storagePanel(lc), notice)
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
