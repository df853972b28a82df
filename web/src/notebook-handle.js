// `lc.notebook`: the notebook's main store as the page sees it. `view` is what to render
// ({cells: [{id, source, sourceClipped, executionCount, executionState, outputs: [{kind, text}]}]},
// validated by the page's Python: py/livecomplete/notebook.py); a 'change' event follows every
// change, from this tab, another tab, another person or a kernel. The methods are the person's
// edits; each is one commit to the store. A 'problem' event says the notebook is not being saved
// (kept in memory, or OPFS refused its writes), in words for the person.

export class NotebookHandle extends EventTarget {
  /** The notebook as last rendered, or null before the store opened. */
  view = null
  /** Whether the notebook lives in OPFS; when not, `storageProblem` says why. */
  persisted = null
  storageProblem = null
  /** Whether this page may only look (a `read` token): the edits then reject, committing nothing. */
  readOnly = false
  #session = null
  #attached = Promise.withResolvers()

  constructor() {
    super()
    /** Resolves once the notebook is shown (its first view). */
    this.ready = new Promise((resolve) => this.addEventListener('change', resolve, { once: true }))
  }

  /** Used by livecomplete.js: the notebook is not being saved (why, in words); a 'problem' event. */
  reportProblem(text) {
    this.storageProblem = text
    this.dispatchEvent(new CustomEvent('problem', { detail: { text } }))
  }

  /** Used by livecomplete.js: the page's Python side of the store (py/livecomplete/_page_notebook.py). */
  attach(session) {
    this.#session = session
    this.#attached.resolve()
  }

  /** Used by the page's Python on every change: the new view, as JSON. */
  showView(viewJson) {
    this.view = JSON.parse(viewJson)
    this.dispatchEvent(new CustomEvent('change', { detail: this.view }))
  }

  /** Add an empty code cell after cell `afterId` (null: at the end); resolves to its id. */
  async addCell(afterId = null) {
    return (await this.#ready()).add_cell(afterId)
  }

  /** Save a cell's source (the whole text: the last writer wins per cell). */
  async setSource(cellId, source) {
    ;(await this.#ready()).set_source(cellId, source)
  }

  /** Ask for a run of the cell, saving `source` first when given; resolves to the run's id. */
  async run(cellId, source = null) {
    return (await this.#ready()).run_cell(cellId, source)
  }

  async deleteCell(cellId) {
    ;(await this.#ready()).delete_cell(cellId)
  }

  /** Move a cell `offset` places: -1 up, 1 down. */
  async moveCell(cellId, offset) {
    ;(await this.#ready()).move_cell(cellId, offset)
  }

  async #ready() {
    if (this.readOnly) throw new Error('this page may only read the notebook (its token is a read token)')
    await this.#attached.promise
    return this.#session
  }
}
