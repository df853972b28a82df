// The public door: `createLivecomplete({notebookId, options})` starts the completion store, the
// page's Python (client + kernel agent) and the kernel worker, and hands out CodeMirror
// completion sources. An app embeds completions with `lc.completion(cellId)` (an extension) or
// `lc.completionSource(cellId)` (a source for its own `autocompletion({override: [...]})`).
// With `notebook`, it also opens the notebook's main store (`lc.notebook`), whose runs the
// kernel serving the notebook executes.
import { CompletionSession } from './completion-session.js'
import { completionExtension, completionSource } from './completion-source.js'
import { debugProbes } from './debug.js'
import { KernelWorker } from './kernel.js'
import { kernelLaunchGate } from './kernel-launch.js'
import { optionValue } from './facts.js'
import { loadPython, snapshotWanted } from './python.js'
import { NotebookHandle } from './notebook-handle.js'
import { openNotebook, showNotebook } from './notebook-link.js'
import { signatureHelp } from './signature-help.js'
import { events, queries, tables } from './store.js'
import { askAccess } from './sync-access.js'

/**
 * @param {object} config
 * @param {string} config.notebookId  the completion store is `${notebookId}-completions`
 * @param {object} [config.options]  livecomplete options, camelCase (see the README)
 * @param {string} [config.baseUrl]  where `pyodide/` and `wheels/` are served (default: the page)
 * @param {string} [config.syncUrl]  a LiveStore sync backend (ws:// or wss://) for the stores;
 *   without one they are local to this browser
 * @param {string} [config.syncToken]  the token the backend grants this notebook with (`build.py
 *   token`); its role decides what the page does: `read` only looks, `write` edits, runs and asks,
 *   `kernel` also lets the page's own kernel serve everyone while no remote kernel does
 * @param {object} [config.notebook]  also open the notebook's main store (`lc.notebook`): cells,
 *   runs and outputs; `{cells}` are the sources of a new notebook's cells. Without it the host
 *   keeps its own notebook model and runs cells with `lc.kernel.run(code)`.
 * @param {object} [config.pyodide]  the page's own Pyodide (PyScript's, say) for livecomplete's
 *   page-side Python, instead of starting another; the kernel always runs in its own worker
 */
export function createLivecomplete({
  notebookId, options = {}, baseUrl = document.baseURI, syncUrl = null, syncToken = null, notebook = null, pyodide = null,
}) {
  return new Livecomplete({ notebookId, options, baseUrl, syncUrl, syncToken, notebook, pyodide })
}

export class Livecomplete extends EventTarget {
  /** 'starting' | 'ready' | 'error' — whether completions can be asked for. */
  state = 'starting'
  detail = 'starting'
  store = null
  /** The store's events, tables and named queries, for inspection and tools. */
  schema = { events, tables, queries }
  /** Whether the completion store lives in OPFS; when not, `storageProblem` says why. */
  persisted = null
  storageProblem = null
  /** The remote kernel serving this notebook's completions (the page's own stands by), or null. */
  remoteKernel = null
  /** How the page's Python started: {restored (from a snapshot), ms, problem (why not)}. */
  pythonStart = null
  /** With a sync backend: whether the store is connected to it now (null before it is known). */
  syncConnected = null
  /** With a sync backend: the role its token grants ('read' | 'write' | 'kernel'), once known. */
  syncRole = null
  /** Why the backend would not let this page in (the notebook then stays in this browser), or null. */
  syncRefused = null
  #syncToken = null
  /** The completion store and the page's Python session on it (completion-session.js). */
  #completions = null
  #queries = 0
  #sourceCalls = 0
  #browser = null
  #pyodide = null
  // What the CodeMirror extensions ask the page's Python through (completion-source.js).
  #sessions = {
    // A read token asks nothing (the backend would refuse the request, and the page's push with it).
    current: () => (this.syncRole === 'read' ? null : this.#session),
    starting: () => this.state === 'starting',
    ready: null,
    recovering: () => this.#completions?.recovering ?? null,
    nextQueryId: () => ++this.#queries,
  }

  /** The notebook's main store (notebook-handle.js), when asked for; else null. */
  notebook = null
  #notebookStore = null
  #firstCells = []

  constructor({ notebookId, options, baseUrl, syncUrl, syncToken, notebook, pyodide = null }) {
    super()
    this.notebookId = notebookId
    this.options = options
    this.syncUrl = syncUrl
    this.#syncToken = syncToken
    if (notebook) {
      this.notebook = new NotebookHandle()
      this.#firstCells = Array.isArray(notebook.cells) ? notebook.cells.map(String) : ['']
    }
    // Who asks: this page. Its own kernel agent answers the requests it makes.
    this.clientId = `page-${crypto.randomUUID().slice(0, 8)}`
    // The page's start reads no kernel until it has opened the store and started Python.
    const starting = this.#start(baseUrl, pyodide)
    // On a revisit the kernel waits for the page's own start and a pause in typing (kernel-launch.js).
    const pageStart = starting.catch(() => {})
    const pauseMs = optionValue(options, 'kernelStartPauseMs')
    const launchAfter = kernelLaunchGate({ notebookId, pageStart, pauseMs })
    this.kernel = new KernelWorker({ baseUrl, options, launchAfter })
    this.kernel.addEventListener('namespace-changed', () => this.#session?.namespace_changed())
    this.ready = starting.then(
      () => this.#setState('ready', 'ready'),
      (error) => {
        console.error('[livecomplete] could not start completions', error)
        this.#setState('error', String(error?.message ?? error))
      },
    )
    this.#sessions.ready = this.ready
    /** Probes for tests, benchmarks and the console (debug.js); not part of the API. */
    this.debug = debugProbes({
      ready: this.ready,
      store: () => this.store,
      notebookStore: () => this.#notebookStore,
      session: () => this.#session,
      pyodide: () => this.#pyodide,
      browser: () => this.#browser,
      sourceCalls: () => this.#sourceCalls,
    })
  }

  async #start(baseUrl, hostPyodide) {
    // Marks for the browser's performance timeline (DevTools), to see what a start waits for.
    const marked = (name) => (value) => {
      performance.mark(`livecomplete:${name}`)
      return value
    }
    const python = loadPython({
      baseUrl,
      wheels: 'page',
      fromSnapshot: snapshotWanted(this.options),
      pyodide: hostPyodide,
      onProgress: (detail) => this.#setState('starting', detail),
    }).then(marked('python-started'))
    // Nothing connects before the backend said this page may (sync-access.js).
    const allowed = this.syncUrl ? askAccess(this, this.#syncToken) : Promise.resolve()
    // The notebook shows as soon as its store and Python are there. Its store opens first: two
    // stores opening at once on a small machine delayed both (docs/notebook.md).
    const notebookOpened = allowed.then(async () => {
      if (this.notebook) this.#notebookStore = await openNotebook(this, this.#sync)
    })
    const pageNotebook = this.notebook && Promise.all([notebookOpened, python])
      .then(([, { pyodide }]) => showNotebook(this, { pyodide, store: this.#notebookStore, firstCells: this.#firstCells }))
    const completionsOpened = notebookOpened.then(() => {
      const onError = (detail) => this.#setState('error', detail)
      this.#completions = new CompletionSession(this, { sync: this.#sync, onError })
      return this.#completions.open()
    })
    const [opened, page, { pyodide, snapshot }] = await Promise.all([
      completionsOpened.then(marked('store-opened')),
      pageNotebook,
      python,
    ])
    this.pythonStart = snapshot
    this.#pyodide = pyodide
    this.#browser = pyodide.pyimport('livecomplete._browser')
    const resolvedOptions = JSON.parse(this.#browser.options_json(JSON.stringify(this.options)))
    this.#completions.start({
      browser: this.#browser,
      storeStallMs: resolvedOptions.storeStallMs,
      pageNotebook: page || null,
      // Only a kernel token lets the page's own kernel serve a synced notebook (docs/access.md).
      mayServe: !this.syncUrl || this.syncRole === 'kernel',
    }, opened)
  }

  /** The page's Python session on the completion store, or null while there is none. */
  get #session() {
    return this.#completions?.current ?? null
  }

  /** The sync backend and token the stores connect with, or null (local). */
  get #sync() {
    return this.syncUrl ? { url: this.syncUrl, token: this.#syncToken } : null
  }

  /** A CodeMirror extension: autocompletion fed by this notebook's kernel, for one cell. */
  completion(cellId) {
    const delayMs = optionValue(this.options, 'enterAcceptDelayMs')
    return completionExtension(this.completionSource(cellId), () => delayMs, signatureHelp(cellId, this.#sessions))
  }

  /** A CodeMirror completion source for one cell. Never throws; resolves to null when unsure. */
  completionSource(cellId) {
    const source = completionSource(cellId, this.#sessions, { describeDelayMs: optionValue(this.options, 'describeDelayMs') })
    return (context) => {
      this.#sourceCalls += 1
      return source(context)
    }
  }

  /**
   * Run a cleanup round of stale completion stores in OPFS now (rounds also run by themselves).
   * `now` (ms) replaces the clock for the age policy. Resolves to the round's report.
   */
  async cleanupNow({ now = null } = {}) {
    await this.ready
    if (!this.#session) throw new Error(`completions are not running (${this.detail})`)
    return JSON.parse(await this.#session.cleanup_now(now))
  }

  /** {storeDirectory, storeBytes, usage, quota, lastCleanup}: what the storage panel shows. */
  async storageReport() {
    await this.ready
    if (!this.#session) return { storeBytes: null, usage: null, quota: null, lastCleanup: null }
    return JSON.parse(await this.#session.storage_report())
  }

  #setState(state, detail) {
    this.state = state
    this.detail = detail
    this.dispatchEvent(new CustomEvent('state', { detail: { state, detail } }))
  }
}
