// The completion store and the page's Python session on it, from opening to recovery: a store
// that stops saving is cleaned up and reopened (then kept in memory), a synced one that stalls is
// started afresh from the backend. Completion events are a cache; the notebook's store is never
// touched here. What the page shows (store, persisted, remoteKernel, ...) is set on `lc`.
import { watchConnection } from './connection.js'
import { watchPersistence } from './persistence-watchdog.js'
import { markForFreshStart, openOnce, openOrStartAfresh } from './store-lifecycle.js'
import { completionStoreDirectory, events, queries, storageFormatVersion } from './store.js'
import { watchSync } from './sync-watchdog.js'
import { optionValue } from './facts.js'

// Why a synced completion store is in memory by choice (`syncedCompletionsInMemory`): not a problem.
const KEPT_BY_THE_BACKEND = 'the sync backend keeps them; this page holds them in memory'

export class CompletionSession {
  /** The page's Python session (livecomplete._browser.start), or null while there is none. */
  current = null
  /** A recovery under way (a promise), or null. */
  recovering = null
  #stopWatchdog = () => {}
  #stopSyncWatch = () => {}
  #stopWatchingConnection = () => {}
  #remoteKernelKnown = false
  #reopened = false

  /**
   * @param {object} lc  the Livecomplete: its public fields are set, its events dispatched
   * @param {object} config  `sync` ({url, token} or null: local), `onError(text)` (no store at all)
   */
  constructor(lc, { sync, onError }) {
    this.lc = lc
    this.sync = sync
    this.onError = onError
  }

  /** The completion store: in OPFS when it opens (store-lifecycle.js), or in memory `because`. */
  open(because = null) {
    const { notebookId } = this.lc
    const { sync } = this
    const onFailure = (store, why) => store === this.lc.store && this.failed(why)
    if (because) return openOnce(notebookId, { inMemory: because, sync, onFailure })
    if (sync && optionValue(this.lc.options, 'syncedCompletionsInMemory')) {
      return openOnce(notebookId, { inMemory: KEPT_BY_THE_BACKEND, sync, onFailure })
    }
    return openOrStartAfresh(notebookId, { sync, onFailure, onNotice: (text) => this.#notice(text) })
  }

  /**
   * Start the page's Python session on the store `open` gave. `python` holds `browser` (the
   * livecomplete._browser module), `storeStallMs`, `pageNotebook` (the page's notebook session or
   * null) and `mayServe` (whether the page's own kernel may answer requests).
   */
  start(python, opened) {
    this.python = python
    this.#use(opened)
  }

  /** Start the page's Python (client, kernel agent, cleanup) on an open store. */
  #use({ store, persisted, whyNotPersisted }, carriedLeasesJson = null) {
    const { lc } = this
    lc.store = store
    if (this.sync) {
      this.#watchConnection(store)
      this.#stopSyncWatch = watchSync(store, {
        isConnected: () => lc.syncConnected === true,
        onStall: (why) => this.failed(why),
      })
    }
    lc.persisted = persisted
    if (!persisted && whyNotPersisted !== KEPT_BY_THE_BACKEND) this.#reportStorageProblem(`Completions are kept in memory for this page only: ${whyNotPersisted}.`)
    this.current = this.python.browser.start({
      store,
      events,
      queries,
      kernel: lc.kernel,
      clientId: lc.clientId,
      optionsJson: JSON.stringify(lc.options),
      storeDirectory: completionStoreDirectory(lc.notebookId),
      // Its runs are executed by the page's kernel while no remote kernel serves the notebook.
      notebook: this.python.pageNotebook,
      storageFormatVersion,
      persisted,
      carriedLeasesJson,
      mayServe: this.python.mayServe,
      onRemoteKernel: (kernelId) => {
        // A store started afresh reports the kernel that served before it: no change.
        if (this.#remoteKernelKnown && (kernelId ?? null) === lc.remoteKernel) return
        this.#remoteKernelKnown = true
        lc.remoteKernel = kernelId ?? null
        lc.dispatchEvent(new CustomEvent('remote-kernel', { detail: { kernelId: lc.remoteKernel } }))
      },
      // Each round's report; the newest one is also in storageReport().lastCleanup.
      onCleanup: (reportJson) => lc.dispatchEvent(new CustomEvent('cleanup', { detail: JSON.parse(reportJson) })),
    })
    if (persisted) {
      this.#stopWatchdog = watchPersistence(store, { stallMs: this.python.storeStallMs, onStall: (why) => this.failed(why) })
    }
  }

  /**
   * The store stopped saving (OPFS refused writes) or LiveStore shut it down on an error. Run a
   * cleanup round and reopen it once; if it fails again, keep completions in memory. Synced, it is
   * started afresh from the backend instead.
   */
  failed(why) {
    // A synced store is a copy of the backend's: start it afresh from there (LiveStore 0.4.0 shuts
    // a session down on the same defect that stalls a sync, docs/sync.md#the-silent-stall).
    this.recovering ??= (this.sync ? this.#startAfreshFromBackend(why) : this.#recover(why))
      .catch((error) => {
        console.error('[livecomplete] completions stopped: no store could be opened', error)
        this.onError(`no completion store: ${error?.message ?? error}`)
      })
      .finally(() => {
        this.recovering = null
      })
  }

  /** Stop the watches, the page's Python session and the store; resolves once it is shut down. */
  async #close() {
    const session = this.current
    this.current = null
    this.#stopWatchdog()
    this.#stopSyncWatch()
    session.close()
    session.destroy()
    await this.lc.store.shutdownPromise().catch(() => {})
  }

  async #recover(why) {
    const { lc } = this
    console.warn(`[livecomplete] the completion store stopped saving: ${why}`)
    let freed = null
    if (lc.persisted && !this.#reopened) {
      const report = JSON.parse(await this.current.cleanup_now(null))
      freed = report.summary
      lc.dispatchEvent(new CustomEvent('cleanup', { detail: report }))
    }
    await this.#close()
    let opened = null
    if (lc.persisted && !this.#reopened) {
      this.#reopened = true
      opened = await this.open().catch((error) => {
        console.warn('[livecomplete] could not reopen the completion store', error)
        return null
      })
      // Reopened in OPFS, that is: a reopening that stalled keeps the page in memory, and says so.
      if (opened?.persisted) {
        const cleanup = freed.charAt(0).toUpperCase() + freed.slice(1)
        this.#notice(`The completion store stopped saving (${why}). ${cleanup}; the store was reopened.`)
      }
    }
    opened ??= await this.open(`the completion store could not be saved in OPFS (${why})`)
    this.#use(opened)
  }

  /**
   * The synced completion store stopped syncing (sync-watchdog.js), which it never recovers from
   * by itself, or LiveStore shut it down: start it afresh from the backend, in memory for this page
   * (a second opening in OPFS in one page stalls); the next visit starts a new store in OPFS. What
   * this page had not pushed yet is lost, harmless for a cache: such a request completes locally.
   */
  async #startAfreshFromBackend(why) {
    console.warn(`[livecomplete] the completion store stopped syncing (${why}): starting it afresh from the sync backend`)
    const carriedLeasesJson = this.current.leases_json()
    await this.#close()
    if (this.lc.persisted) markForFreshStart(this.lc.notebookId)
    const because = `the completion store stopped syncing (${why}) and was started afresh from the sync backend`
    this.#use(await this.open(because), carriedLeasesJson)
  }

  /** Follow the store's connection to the sync backend (LiveStore reconnects by itself). */
  #watchConnection(store) {
    this.#stopWatchingConnection()
    this.#stopWatchingConnection = watchConnection(store, (connected) => {
      this.lc.syncConnected = connected
      this.lc.dispatchEvent(new CustomEvent('sync', { detail: { connected } }))
    })
  }

  #reportStorageProblem(text) {
    this.lc.storageProblem = text
    console.warn(`[livecomplete] ${text}`)
    this.#notice(text)
  }

  #notice(text) {
    this.lc.dispatchEvent(new CustomEvent('storage', { detail: { persisted: this.lc.persisted, text } }))
  }
}
