// The public door: `createLivecomplete({notebookId, options})` starts the completion store, the
// page's Python (client + kernel agent) and the kernel worker, and hands out CodeMirror
// completion sources. An app embeds completions with `lc.completion(cellId)` (an extension) or
// `lc.completionSource(cellId)` (a source for its own `autocompletion({override: [...]})`).
// With `notebook`, it also opens the notebook's main store (`lc.notebook`), whose runs the
// kernel serving the notebook executes.
import { completionExtension, completionSource } from './completion-source.js'
import { watchConnection } from './connection.js'
import { debugProbes } from './debug.js'
import { KernelWorker } from './kernel.js'
import { kernelLaunchGate } from './kernel-launch.js'
import { optionValue, storeDirectory } from './facts.js'
import { watchPersistence } from './persistence-watchdog.js'
import { loadPython, snapshotWanted } from './python.js'
import { NotebookHandle } from './notebook-handle.js'
import { openNotebookStore, events as notebookEvents, queries as notebookQueries } from './notebook-store.js'
import { signatureHelp } from './signature-help.js'
import { markForFreshStart, openOnce, openOrStartAfresh } from './store-lifecycle.js'
import { completionStoreDirectory, events, queries, storageFormatVersion, tables } from './store.js'
import { checkSyncAccess, whenExpired } from './sync-access.js'
import { watchSync } from './sync-watchdog.js'

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
 */
export function createLivecomplete({
  notebookId, options = {}, baseUrl = document.baseURI, syncUrl = null, syncToken = null, notebook = null,
}) {
  return new Livecomplete({ notebookId, options, baseUrl, syncUrl, syncToken, notebook })
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
  #stopWatchingConnection = () => {}
  #session = null
  #queries = 0
  #sourceCalls = 0
  #browser = null
  #pyodide = null
  #resolvedOptions = null
  #stopWatchdog = () => {}
  #stopSyncWatch = () => {}
  #remoteKernelKnown = false
  #recovery = null
  #reopened = false
  // What the CodeMirror extensions ask the page's Python through (completion-source.js).
  #sessions = {
    // A read token asks nothing (the backend would refuse the request, and the page's push with it).
    current: () => (this.syncRole === 'read' ? null : this.#session),
    starting: () => this.state === 'starting',
    ready: null,
    recovering: () => this.#recovery,
    nextQueryId: () => ++this.#queries,
  }

  /** The notebook's main store (notebook-handle.js), when asked for; else null. */
  notebook = null
  #notebookStore = null
  #pageNotebook = null
  #firstCells = []

  constructor({ notebookId, options, baseUrl, syncUrl, syncToken, notebook }) {
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
    const starting = this.#start(baseUrl)
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

  async #start(baseUrl) {
    // Marks for the browser's performance timeline (DevTools), to see what a start waits for.
    const marked = (name) => (value) => {
      performance.mark(`livecomplete:${name}`)
      return value
    }
    const python = loadPython({
      baseUrl,
      wheels: 'page',
      fromSnapshot: snapshotWanted(this.options),
      onProgress: (detail) => this.#setState('starting', detail),
    }).then(marked('python-started'))
    // Nothing connects before the backend said this page may (sync-access.js).
    const allowed = this.syncUrl ? this.#askAccess() : Promise.resolve()
    // The notebook shows as soon as its store and Python are there. Its store opens first: two
    // stores opening at once on a small machine delayed both (docs/notebook.md).
    const notebookOpened = allowed.then(() => this.notebook && this.#openNotebookStore())
    const notebookShown = this.notebook && Promise.all([notebookOpened, python])
      .then(([, { pyodide }]) => this.#showNotebook(pyodide))
    const [opened, , { pyodide, snapshot }] = await Promise.all([
      notebookOpened.then(() => this.#openStore()).then(marked('store-opened')),
      notebookShown,
      python,
    ])
    this.pythonStart = snapshot
    this.#pyodide = pyodide
    this.#browser = pyodide.pyimport('livecomplete._browser')
    this.#resolvedOptions = JSON.parse(this.#browser.options_json(JSON.stringify(this.options)))
    this.#useStore(opened)
  }

  /** The role this page has on the notebook; refused, the notebook stays in this browser. */
  async #askAccess() {
    const access = await checkSyncAccess({ syncUrl: this.syncUrl, notebookId: this.notebookId, token: this.#syncToken })
    if (!access.allowed) {
      this.syncRefused = access.why
      this.syncUrl = null
      console.warn(`[livecomplete] not allowed to open this notebook through the sync backend: ${access.why}`)
      this.dispatchEvent(new CustomEvent('sync-refused', { detail: { why: access.why } }))
      return
    }
    this.syncRole = access.role
    if (this.notebook) this.notebook.readOnly = access.role === 'read'
    this.dispatchEvent(new CustomEvent('sync-role', { detail: { role: access.role } }))
    // Past it the backend refuses this page's pushes (and LiveStore retries them for ever): say so.
    whenExpired(access.exp, () => {
      const why = 'the token has expired; reload with a new one'
      this.syncRefused = why
      console.warn(`[livecomplete] the sync backend no longer lets this page in: ${why}`)
      this.dispatchEvent(new CustomEvent('sync-refused', { detail: { why } }))
    })
  }

  /** The sync backend and token the stores connect with, or null (local). */
  get #sync() {
    return this.syncUrl ? { url: this.syncUrl, token: this.#syncToken } : null
  }

  async #openNotebookStore() {
    // The person's work: a store that stops saving is said loudly (it is never removed or reset).
    const stopped = (why) => {
      const text = `The notebook stopped saving (${why}): changes from now on are in this page only.`
      console.error(`[livecomplete] ${text}`)
      this.notebook.reportProblem(text)
    }
    const onFailure = stopped
    const { store, persisted, whyNotPersisted } = await openNotebookStore(this.notebookId, { sync: this.#sync, onFailure })
    performance.mark('livecomplete:notebook-store-opened')
    this.#notebookStore = store
    if (persisted) {
      const stallMs = optionValue(this.options, 'storeStallMs')
      watchPersistence(store, { stallMs, onStall: (why) => stopped(why) })
    }
    if (this.syncUrl) {
      // Its events are the person's work: never dropped; the page says so, loudly.
      watchSync(store, {
        isConnected: () => this.syncConnected === true,
        onStall: (why) => {
          const text = `The notebook stopped syncing (${why}): changes are kept in this browser, but others do not see them. Reload the page to try again.`
          console.error(`[livecomplete] ${text}`)
          this.notebook.reportProblem(text)
        },
      })
    }
    this.notebook.persisted = persisted
    if (!persisted) this.notebook.reportProblem(`The notebook is kept in memory for this page only: ${whyNotPersisted}.`)
  }

  /** Render the notebook from its store and follow it (py/livecomplete/_page_notebook.py). */
  #showNotebook(pyodide) {
    this.#pageNotebook = pyodide.pyimport('livecomplete._browser').open_notebook({
      store: this.#notebookStore,
      events: notebookEvents,
      queries: notebookQueries,
      notebookId: this.notebookId,
      notebookDirectory: storeDirectory(this.notebookId, storageFormatVersion),
      firstCellsJson: JSON.stringify(this.#firstCells),
      kernel: this.kernel,
      clientId: this.clientId,
      // Without a sync backend no remote kernel can serve the notebook: the page's kernel runs
      // its cells from now on, even while the completion store is still opening.
      serveAtOnce: !this.syncUrl,
      // A read token may write nothing: a new notebook is not even started.
      readOnly: this.syncRole === 'read',
      onView: (viewJson) => this.notebook.showView(viewJson),
    })
    this.notebook.attach(this.#pageNotebook)
    // Nothing is committed as the page goes away (pagehide): a commit then left the store's
    // leader so that the next opening of the notebook stalled (docs/notebook.md).
  }

  /** The completion store: in OPFS when it opens (store-lifecycle.js), or in memory `because`. */
  #openStore(because = null) {
    const { notebookId } = this
    const sync = this.#sync
    const onFailure = (store, why) => store === this.store && this.#storeFailed(why)
    if (because) return openOnce(notebookId, { inMemory: because, sync, onFailure })
    return openOrStartAfresh(notebookId, { sync, onFailure, onNotice: (text) => this.#notice(text) })
  }

  /** Start the page's Python (client, kernel agent, cleanup) on an open store. */
  #useStore({ store, persisted, whyNotPersisted }, carriedLeasesJson = null) {
    this.store = store
    if (this.syncUrl) {
      this.#watchConnection(store)
      this.#stopSyncWatch = watchSync(store, {
        isConnected: () => this.syncConnected === true,
        onStall: (why) => this.#storeFailed(why),
      })
    }
    this.persisted = persisted
    if (!persisted) this.#reportStorageProblem(`Completions are kept in memory for this page only: ${whyNotPersisted}.`)
    this.#session = this.#browser.start({
      store,
      events,
      queries,
      kernel: this.kernel,
      clientId: this.clientId,
      optionsJson: JSON.stringify(this.options),
      storeDirectory: completionStoreDirectory(this.notebookId),
      // Its runs are executed by the page's kernel while no remote kernel serves the notebook.
      notebook: this.#pageNotebook,
      storageFormatVersion,
      persisted,
      carriedLeasesJson,
      // Only a kernel token lets the page's own kernel serve a synced notebook (docs/access.md).
      mayServe: !this.syncUrl || this.syncRole === 'kernel',
      onRemoteKernel: (kernelId) => {
        // A store started afresh reports the kernel that served before it: no change.
        if (this.#remoteKernelKnown && (kernelId ?? null) === this.remoteKernel) return
        this.#remoteKernelKnown = true
        this.remoteKernel = kernelId ?? null
        this.dispatchEvent(new CustomEvent('remote-kernel', { detail: { kernelId: this.remoteKernel } }))
      },
      // Each round's report; the newest one is also in storageReport().lastCleanup.
      onCleanup: (reportJson) => this.dispatchEvent(new CustomEvent('cleanup', { detail: JSON.parse(reportJson) })),
    })
    if (persisted) {
      this.#stopWatchdog = watchPersistence(store, {
        stallMs: this.#resolvedOptions.storeStallMs,
        onStall: (why) => this.#storeFailed(why),
      })
    }
  }

  /**
   * The store stopped saving (OPFS refused writes) or LiveStore shut it down on an error. Run a
   * cleanup round and reopen it once; if it fails again, keep completions in memory. Synced, it is
   * started afresh from the backend instead. Completion events are a cache, and the notebook's own
   * store is never touched by any of this.
   */
  #storeFailed(why) {
    // A synced store is a copy of the backend's: start it afresh from there (LiveStore 0.4.0 shuts
    // a session down on the same defect that stalls a sync, docs/sync.md#the-silent-stall).
    this.#recovery ??= (this.syncUrl ? this.#startAfreshFromBackend(why) : this.#recover(why))
      .catch((error) => {
        console.error('[livecomplete] completions stopped: no store could be opened', error)
        this.#setState('error', `no completion store: ${error?.message ?? error}`)
      })
      .finally(() => {
        this.#recovery = null
      })
  }

  /** Stop the watches, the page's Python session and the store; resolves once it is shut down. */
  async #closeStore() {
    const session = this.#session
    this.#session = null
    this.#stopWatchdog()
    this.#stopSyncWatch()
    session.close()
    session.destroy()
    await this.store.shutdownPromise().catch(() => {})
  }

  async #recover(why) {
    console.warn(`[livecomplete] the completion store stopped saving: ${why}`)
    let freed = null
    if (this.persisted && !this.#reopened) {
      const report = JSON.parse(await this.#session.cleanup_now(null))
      freed = report.summary
      this.dispatchEvent(new CustomEvent('cleanup', { detail: report }))
    }
    await this.#closeStore()
    let opened = null
    if (this.persisted && !this.#reopened) {
      this.#reopened = true
      opened = await this.#openStore().catch((error) => {
        console.warn('[livecomplete] could not reopen the completion store', error)
        return null
      })
      // Reopened in OPFS, that is: a reopening that stalled keeps the page in memory, and says so.
      if (opened?.persisted) {
        const cleanup = freed.charAt(0).toUpperCase() + freed.slice(1)
        this.#notice(`The completion store stopped saving (${why}). ${cleanup}; the store was reopened.`)
      }
    }
    opened ??= await this.#openStore(`the completion store could not be saved in OPFS (${why})`)
    this.#useStore(opened)
  }

  /**
   * The synced completion store stopped syncing (sync-watchdog.js), which it never recovers from
   * by itself, or LiveStore shut it down: start it afresh from the backend, in memory for this page
   * (a second opening in OPFS in one page stalls); the next visit starts a new store in OPFS. What
   * this page had not pushed yet is lost, harmless for a cache: such a request completes locally.
   */
  async #startAfreshFromBackend(why) {
    console.warn(`[livecomplete] the completion store stopped syncing (${why}): starting it afresh from the sync backend`)
    const carriedLeasesJson = this.#session.leases_json()
    await this.#closeStore()
    if (this.persisted) markForFreshStart(this.notebookId)
    const because = `the completion store stopped syncing (${why}) and was started afresh from the sync backend`
    this.#useStore(await this.#openStore(because), carriedLeasesJson)
  }

  /** Follow the store's connection to the sync backend (LiveStore reconnects by itself). */
  #watchConnection(store) {
    this.#stopWatchingConnection()
    this.#stopWatchingConnection = watchConnection(store, (connected) => {
      this.syncConnected = connected
      this.dispatchEvent(new CustomEvent('sync', { detail: { connected } }))
    })
  }

  #reportStorageProblem(text) {
    this.storageProblem = text
    console.warn(`[livecomplete] ${text}`)
    this.#notice(text)
  }

  #notice(text) {
    this.dispatchEvent(new CustomEvent('storage', { detail: { persisted: this.persisted, text } }))
  }

  /** A CodeMirror extension: autocompletion fed by this notebook's kernel, for one cell. */
  completion(cellId) {
    const delayMs = optionValue(this.options, 'enterAcceptDelayMs')
    return completionExtension(this.completionSource(cellId), () => delayMs, signatureHelp(cellId, this.#sessions))
  }

  /** A CodeMirror completion source for one cell. Never throws; resolves to null when unsure. */
  completionSource(cellId) {
    const source = completionSource(cellId, this.#sessions)
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
