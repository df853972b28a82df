// The public door: `createLivecomplete({notebookId, options})` starts the completion store, the
// page's Python (client + kernel agent) and the kernel worker, and hands out CodeMirror
// completion sources. An app embeds completions with `lc.completion(cellId)` (an extension) or
// `lc.completionSource(cellId)` (a source for its own `autocompletion({override: [...]})`).
import { autocompletion } from '@codemirror/autocomplete'
import { watchConnection } from './connection.js'
import { completionKeys } from './enter-key.js'
import { KernelWorker } from './kernel.js'
import { watchPersistence } from './persistence-watchdog.js'
import { loadPython, snapshotWanted } from './python.js'
import {
  completionStoreDirectory,
  describeError,
  events,
  hasCompletionStore,
  OPEN_STALL_MS,
  OpeningStalled,
  openCompletionStore,
  queries,
  removeCompletionStore,
  storageFormatVersion,
  tables,
} from './store.js'

// The longest the kernel waits for the page's own start before starting anyway.
const KERNEL_LAUNCH_LATEST_MS = 3000

/**
 * @param {object} config
 * @param {string} config.notebookId  the completion store is `${notebookId}-completions`
 * @param {object} [config.options]  livecomplete options, camelCase (see the README)
 * @param {string} [config.baseUrl]  where `pyodide/` and `wheels/` are served (default: the page)
 * @param {string} [config.syncUrl]  a LiveStore sync backend (ws:// or wss://) for the completion
 *   store only; without one the store is local to this browser
 */
export function createLivecomplete({ notebookId, options = {}, baseUrl = document.baseURI, syncUrl = null }) {
  return new Livecomplete({ notebookId, options, baseUrl, syncUrl })
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
  #stopWatchingConnection = () => {}
  #session = null
  #queries = 0
  #sourceCalls = 0
  #browser = null
  #pyodide = null
  #tracingProxies = false
  #resolvedOptions = null
  #stopWatchdog = () => {}
  #recovery = null
  #reopened = false

  constructor({ notebookId, options, baseUrl, syncUrl }) {
    super()
    this.notebookId = notebookId
    this.options = options
    this.syncUrl = syncUrl
    // Who asks: this page. Its own kernel agent answers the requests it makes.
    this.clientId = `page-${crypto.randomUUID().slice(0, 8)}`
    // On a notebook visited before, the kernel starts once the page's own start is over and the
    // person is not at work (they have not touched the page, or have since pressed no key or
    // pointer for `kernelStartPauseMs`), or as soon as something needs it: a cell run, a
    // completion the store cannot answer (the kernel agent asks for it). On 2 cores its start
    // slows the page's and the keys typed meanwhile, and a revisit's first completions are in the
    // store. A new notebook needs the kernel's answers: it starts at once. A page start that
    // hangs holds the kernel back for KERNEL_LAUNCH_LATEST_MS at most.
    let pageStarted
    const pageStart = new Promise((resolve) => {
      pageStarted = resolve
    })
    const pageStartOrHang = Promise.race([pageStart, delay(KERNEL_LAUNCH_LATEST_MS).then(() => 'hung')])
    const input = watchInput()
    const launchAfter = hasCompletionStore(notebookId)
      .then(async (visited) => {
        if (!visited || (await pageStartOrHang) === 'hung') return
        await input.pause(kernelStartPauseMs(options))
      })
      .finally(input.stop)
    this.kernel = new KernelWorker({ baseUrl, options, launchAfter })
    // A cell ran (busy -> ready) or the kernel restarted (-> starting): its names changed. Not
    // on a start's progress, nor on ready after starting: a new kernel's names are the same.
    let previousState = this.kernel.state
    this.kernel.addEventListener('state', ({ detail: { state } }) => {
      const ranACell = previousState === 'busy' && state !== 'busy'
      const restarted = state === 'starting' && previousState !== 'starting'
      previousState = state
      if (ranACell || restarted) this.#session?.namespace_changed()
    })
    this.ready = this.#start(baseUrl).finally(pageStarted).then(
      () => this.#setState('ready', 'ready'),
      (error) => {
        console.error('[livecomplete] could not start completions', error)
        this.#setState('error', String(error?.message ?? error))
      },
    )
  }

  async #start(baseUrl) {
    // Marks for the browser's performance timeline (DevTools), to see what a start waits for.
    const marked = (name) => (value) => {
      performance.mark(`livecomplete:${name}`)
      return value
    }
    const [opened, { pyodide, snapshot }] = await Promise.all([
      this.#openStore().then(marked('store-opened')),
      loadPython({
        baseUrl,
        wheels: 'page',
        fromSnapshot: snapshotWanted(this.options),
        onProgress: (detail) => this.#setState('starting', detail),
      }).then(marked('python-started')),
    ])
    this.pythonStart = snapshot
    this.#pyodide = pyodide
    this.#browser = pyodide.pyimport('livecomplete._browser')
    this.#resolvedOptions = JSON.parse(this.#browser.options_json(JSON.stringify(this.options)))
    this.#useStore(opened)
  }

  /**
   * Open the completion store in OPFS when possible. A store that will not open (damaged, say,
   * by a tab closed while LiveStore was writing) is a cache: remove it and start afresh, once;
   * failing that, open one in memory and say why. One that stalls is removed too, but this page
   * keeps its completions in memory: a second opening in OPFS stalled as well in the same page
   * (LiveStore's shared worker seems to wait on the abandoned one); the next visit starts anew.
   */
  async #openStore() {
    try {
      return await this.#openStoreOnce()
    } catch (error) {
      const why = describeError(error)
      console.warn(`[livecomplete] could not open the completion store (${why}); removing it`)
      const notRemoved = await removeCompletionStore(this.notebookId)
      if (error instanceof OpeningStalled) {
        const removed = notRemoved
          ? `it could not be removed (${notRemoved})`
          : 'it was removed, and the next visit starts a new one'
        return this.#openStoreOnce(
          `the completion store did not open in ${OPEN_STALL_MS / 1000} s (its database may be damaged); ${removed}`,
        )
      }
      if (!notRemoved) {
        try {
          const opened = await this.#openStoreOnce()
          this.#notice(`The completion store could not be opened (${why}); it was removed and started afresh.`)
          return opened
        } catch (again) {
          return this.#openStoreOnce(`the completion store could not be opened (${describeError(again)})`)
        }
      }
      return this.#openStoreOnce(`the completion store could not be opened (${why}) nor removed (${notRemoved})`)
    }
  }

  /** Open the completion store; in memory with `inMemory` (a reason), else in OPFS when possible. */
  async #openStoreOnce(inMemory = null) {
    let failed = false
    const opened = await openCompletionStore(this.notebookId, {
      inMemory,
      syncUrl: this.syncUrl,
      onFailure: (why) => {
        failed = true
        if (this.store === opened.store) this.#storeFailed(why)
      },
    })
    // A store that failed while opening is as good as one that would not open.
    if (failed) throw new Error('the completion store shut down while opening')
    return opened
  }

  /** Start the page's Python (client, kernel agent, cleanup) on an open store. */
  #useStore({ store, persisted, whyNotPersisted }) {
    this.store = store
    if (this.syncUrl) this.#watchConnection(store)
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
      storageFormatVersion,
      persisted,
      onRemoteKernel: (kernelId) => {
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
   * cleanup round and reopen it once; if it fails again, keep completions in memory. Completion
   * events are a cache, and the notebook's own store is never touched by any of this.
   */
  #storeFailed(why) {
    this.#recovery ??= this.#recover(why).finally(() => {
      this.#recovery = null
    })
  }

  async #recover(why) {
    console.warn(`[livecomplete] the completion store stopped saving: ${why}`)
    const failedSession = this.#session
    const failedStore = this.store
    this.#stopWatchdog()
    try {
      let freed = null
      if (this.persisted && !this.#reopened) {
        const report = JSON.parse(await failedSession.cleanup_now(null))
        freed = report.summary
        this.dispatchEvent(new CustomEvent('cleanup', { detail: report }))
      }
      this.#session = null
      failedSession.close()
      failedSession.destroy()
      await failedStore.shutdownPromise().catch(() => {})
      let opened = null
      if (this.persisted && !this.#reopened) {
        this.#reopened = true
        opened = await this.#openStore().catch((error) => {
          console.warn('[livecomplete] could not reopen the completion store', error)
          return null
        })
        if (opened) {
          const cleanup = freed.charAt(0).toUpperCase() + freed.slice(1)
          this.#notice(`The completion store stopped saving (${why}). ${cleanup}; the store was reopened.`)
        }
      }
      opened ??= await this.#openStoreOnce(`the completion store could not be saved in OPFS (${why})`)
      this.#useStore(opened)
    } catch (error) {
      console.error('[livecomplete] completions stopped: no store could be opened', error)
      this.#setState('error', `no completion store: ${error?.message ?? error}`)
    }
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
    // Python debounces typing itself and every keystroke aborts the previous query, so
    // CodeMirror asks at once instead of adding its own typing delay.
    const keys = completionKeys({
      replaced: replacedText,
      delayMs: () => this.#resolvedOptions?.enterAcceptDelayMs ?? 0,
    })
    return [
      autocompletion({ override: [this.completionSource(cellId)], activateOnTypingDelay: 0, defaultKeymap: false }),
      keys,
    ]
  }

  /** A CodeMirror completion source for one cell. Never throws; resolves to null when unsure. */
  completionSource(cellId) {
    return async (context) => {
      this.#sourceCalls += 1
      const ask = async (session) => {
        const queryId = ++this.#queries
        // Any edit makes this query's document old: cancel it; CodeMirror asks again. Cancelling
        // goes through the session by id: Pyodide destroys an awaited task's proxy when it settles.
        const cancel = () => this.#session === session && session.cancel(queryId)
        context.addEventListener('abort', cancel, { onDocChange: true })
        try {
          const source = context.state.doc.toString()
          const answer = await session.complete(queryId, cellId, source, context.pos, context.explicit)
          if (!answer) return null
          const describe = (label) => this.#describe(session, cellId, source, context.pos, label)
          return toCompletionResult(JSON.parse(answer), describe)
        } catch (error) {
          if (!context.aborted && this.#session === session) console.warn('[livecomplete] completion failed', error)
          return null
        }
      }
      let session = this.#session
      if (!session && this.state === 'starting') {
        // Typed before completions were ready: answer as soon as they are, unless the person
        // types on (CodeMirror then aborts this query and asks again).
        const typedOn = new Promise((resolve) => context.addEventListener('abort', resolve, { onDocChange: true }))
        await Promise.race([this.ready, typedOn])
        if (context.aborted) return null
        session = this.#session
      }
      if (!session) return null
      const result = await ask(session)
      // The store failed and was replaced while this query waited: ask once more, on the new one.
      if (result === null && !context.aborted) {
        await this.#recovery
        if (this.#session && this.#session !== session && !context.aborted) return ask(this.#session)
      }
      return result
    }
  }

  /** {detail, documentation} of an option the answer did not document, or null; never throws. */
  async #describe(session, cellId, source, pos, label) {
    if (this.#session !== session) return null
    const queryId = ++this.#queries
    try {
      const described = await session.describe(queryId, cellId, source, pos, label)
      return described ? JSON.parse(described) : null
    } catch (error) {
      console.warn('[livecomplete] describing an option failed', error)
      return null
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

  /**
   * For load tests and benchmarks: {jsHeapBytes, pyProxiesAlive, pythonObjects, pythonObjectTypes}
   * (the ten most common Python types). The first call
   * starts tracing Pyodide proxies (it costs a stack per proxy); `pyProxiesAlive` counts those
   * made since then and not yet released. `jsHeapBytes` is Chromium's used JS heap (null
   * elsewhere), after a garbage collection when the page can ask for one. With `dropCaches`,
   * the answers kept for reuse (bounded caches, by design) are dropped first, as when a cell
   * runs, so that what remains counted is what a request could have left behind.
   */
  async memoryReport({ dropCaches = false } = {}) {
    await this.ready
    if (dropCaches) this.#session?.namespace_changed()
    const module = this.#pyodide._module
    if (!this.#tracingProxies) {
      module.enable_pyproxy_allocation_tracing()
      this.#tracingProxies = true
    }
    const { count: pythonObjects, byType: pythonObjectTypes } = JSON.parse(this.#browser.python_objects())
    globalThis.gc?.()
    return {
      jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
      pyProxiesAlive: module.pyproxy_alloc_map.size,
      pythonObjects,
      pythonObjectTypes,
    }
  }

  /**
   * Per completion, newest last: {completionId, roundTripMs (commit -> answer seen by this
   * page), kernelMs (the agent's kernel call), jediMs (inside the kernel worker)}. For benchmarks.
   */
  timings() {
    return this.#session ? JSON.parse(this.#session.timings_json()) : []
  }

  /** How many completion queries CodeMirror has made of this page's sources (for benchmarks). */
  get queriesStarted() {
    return this.#sourceCalls
  }

  /** The stored requests and responses, as plain rows (for inspection and tests). */
  storedEvents() {
    if (!this.store) return { requests: [], responses: [] }
    return {
      requests: this.store.query(tables.completionRequests.orderBy('timestamp', 'asc')),
      responses: this.store.query(tables.completionResponses.orderBy('timestamp', 'asc')),
    }
  }

  #setState(state, detail) {
    this.state = state
    this.detail = detail
    this.dispatchEvent(new CustomEvent('state', { detail: { state, detail } }))
  }
}

// Where each option of our answers starts replacing text (the answer's `from`).
const replacedFrom = new WeakMap()

/** The text that accepting `completion` would replace now, or null for another source's option. */
function replacedText(completion, state) {
  const from = replacedFrom.get(completion)
  return from == null ? null : state.sliceDoc(from, state.selection.main.head)
}

function toCompletionResult({ validFor, options, ...result }, describe) {
  // An option without documentation asks for it when highlighted (see CompletionClient.describe).
  const shown = options.map((option) => (option.info ? option : { ...option, info: () => describedInfo(describe, option) }))
  for (const option of shown) replacedFrom.set(option, result.from)
  return { ...result, options: shown, validFor: new RegExp(validFor.source, validFor.flags) }
}

/** The highlighted option's signature and documentation, as a text node (never markup). */
async function describedInfo(describe, option) {
  const described = await describe(option.label)
  if (!described) return null
  const signature = described.detail && described.detail !== option.detail ? described.detail : null
  const text = [signature, described.documentation].filter(Boolean).join('\n\n')
  return text ? document.createTextNode(text) : null
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Whether and when the person last pressed a key or a pointer on the page. `pause(ms)` resolves
 * once they have pressed nothing for `ms` from the call on, or at once when they have not touched
 * the page at all (someone who clicked into a cell is about to type); `stop()` stops watching.
 */
function watchInput() {
  let last = -Infinity
  const pressed = () => {
    last = performance.now()
  }
  document.addEventListener('keydown', pressed, true)
  document.addEventListener('pointerdown', pressed, true)
  return {
    pause: (ms) =>
      new Promise((resolve) => {
        if (last === -Infinity) return resolve()
        const from = performance.now()
        const check = () => {
          const left = Math.max(last, from) + ms - performance.now()
          if (left <= 0) resolve()
          else setTimeout(check, left)
        }
        check()
      }),
    stop: () => {
      document.removeEventListener('keydown', pressed, true)
      document.removeEventListener('pointerdown', pressed, true)
    },
  }
}

/** `kernelStartPauseMs` (camelCase or snake_case, as Python accepts options); see options.py. */
function kernelStartPauseMs(options) {
  const ms = options?.kernelStartPauseMs ?? options?.kernel_start_pause_ms
  return Number.isFinite(ms) && ms >= 0 ? ms : 300
}
