// Opens a notebook's completion store (`${notebookId}-completions`, persisted in OPFS, and
// synced through a sync backend when one is configured).
import { makeInMemoryAdapter, makePersistedAdapter } from '@livestore/adapter-web'
import { liveStoreStorageFormatVersion } from '@livestore/common'
import LiveStoreSharedWorker from '@livestore/adapter-web/shared-worker?sharedworker'
import { createStorePromise } from '@livestore/livestore'
import { makeWsSync } from '@livestore/sync-cf/client'
import { Cause, Deferred, Effect, Exit, FiberId } from 'effect'
import LiveStoreSyncedWorker from './livestore-synced.worker.js?worker'
import LiveStoreWorker from './livestore.worker.js?worker'
import { completionStoreId, storeDirectory } from './facts.js'
import { lostAtBackend } from './sync-watchdog.js'
import { INITIAL_SYNC_MS } from './notebook-store-options.js'
import { queries } from './queries.js'
import { events, schema, tables } from './schema.js'


/** LiveStore's storage format: its OPFS directories end in `@<version>`. */
export const storageFormatVersion = liveStoreStorageFormatVersion

/** The OPFS root directory that holds a notebook's completion store. */
export const completionStoreDirectory = (notebookId) =>
  storeDirectory(completionStoreId(notebookId), storageFormatVersion)

// How long a completion store may take to open before the page gives up on it (see below).
export const OPEN_STALL_MS = 8000

/** An opening given up after OPEN_STALL_MS: what LiveStore started for it is closed. */
export class OpeningStalled extends Error {}

/**
 * Open (or create) the notebook's completion store. In OPFS, shared across the origin's tabs,
 * when the browser allows it; otherwise in memory for this page only.
 * `inMemory` (a reason) skips OPFS. `sync` ({url: ws:// or wss://, token}) connects this store, and
 * only this one, to a LiveStore sync backend (web/sync/), outbound. `onFailure(description)` is called
 * when LiveStore shuts the store down on an error (a write refused because the quota is
 * exhausted, say) or because the backend no longer holds its history; not when closed on purpose.
 * Resolves to {store, persisted, whyNotPersisted}. Rejects when the store cannot be opened, with
 * OpeningStalled when it has not opened in OPEN_STALL_MS.
 */
export async function openCompletionStore(notebookId, { inMemory = null, sync = null, onFailure = () => {} } = {}) {
  const whyNotPersisted = inMemory ?? (await opfsUnavailableBecause())
  if (whyNotPersisted) {
    // Opening waits for the backend's events (as the notebook's store does), so the page sees a
    // remote kernel's lease before its own kernel would start answering.
    // A sync that fails for good shuts it down, so the page starts it afresh (livestore-synced.worker.js).
    const syncing = sync && {
      backend: makeWsSync({ url: sync.url }),
      initialSyncOptions: { _tag: 'Blocking', timeout: INITIAL_SYNC_MS },
      onSyncError: 'shutdown',
      onBackendIdMismatch: 'shutdown', // as in livestore-synced.worker.js
    }
    const adapter = makeInMemoryAdapter({ sync: syncing || undefined })
    const store = await openWith(adapter, { schema, storeId: completionStoreId(notebookId), sync, onFailure })
    return { store, persisted: false, whyNotPersisted }
  }
  const adapter = makePersistedAdapter({
    storage: { type: 'opfs' },
    // LiveStore's "fast path" reads the state database out of OPFS on the page's main thread
    // before it creates its workers: on a revisit the leader worker started late, and its boot
    // and the page's import of the database fell on the person's first keys. Without it the
    // workers start at once and the database comes from the leader, as on a first visit (docs/
    // how-it-works.md). But a leader that cannot open the database (damaged, say) only logs it,
    // and the page would wait for ever: hence OPEN_STALL_MS.
    experimental: { disableFastPath: true },
    // The leader worker owns the sync connection; it learns the URL from the sync payload.
    worker: sync ? LiveStoreSyncedWorker : LiveStoreWorker,
    sharedWorker: LiveStoreSharedWorker,
  })
  const storeId = completionStoreId(notebookId)
  const store = await openWith(adapter, { schema, storeId, sync, onFailure, stallMs: OPEN_STALL_MS })
  return { store, persisted: true, whyNotPersisted: null }
}

/**
 * Store `storeId` of `schema`, opened with `adapter`. With `stallMs`, an opening that takes longer
 * is abandoned (LiveStore closes what it started: its workers, its tab lock) and rejects with
 * OpeningStalled. `confirmUnsavedChanges`: LiveStore asks before the page closes with events
 * not yet saved (a cache need not; a notebook should).
 */
export async function openWith(
  adapter,
  { schema, storeId, sync = null, onFailure, stallMs = null, confirmUnsavedChanges = false },
) {
  const shutdown = Deferred.unsafeMake(FiberId.none)
  const abandon = new AbortController()
  const opening = createStorePromise({
    schema,
    adapter,
    storeId,
    shutdownDeferred: shutdown,
    signal: abandon.signal,
    // The backend checks the token on every connection, pull and push (web/sync/access.js).
    ...(sync ? { syncPayload: { syncUrl: sync.url, token: sync.token } } : {}),
    confirmUnsavedChanges,
  })
  const store = await (stallMs === null ? opening : withinOrAbandoned(opening, stallMs, abandon))
  // LiveStore 0.4.0 queues every sync state (each holding its pending events) for the sync-status
  // stream and keeps them until someone reads that stream: ~1 KB of heap per event, forever.
  // Reading it, and dropping what it says, keeps the heap flat.
  store.subscribeSyncStatus(() => {})
  Effect.runPromiseExit(Deferred.await(shutdown)).then((exit) => {
    if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) {
      const error = Cause.squash(exit.cause)
      onFailure(lostAtBackend(error) ?? describeError(error))
    }
  })
  return store
}


/** `opening`, or OpeningStalled after `ms`: then `abandon` it, and shut it down if it opens late. */
async function withinOrAbandoned(opening, ms, abandon) {
  let timer
  const stalled = new Promise((_, reject) => {
    const why = `the store has not opened in ${ms / 1000} s`
    timer = setTimeout(() => reject(new OpeningStalled(why)), ms)
  })
  try {
    return await Promise.race([opening, stalled])
  } catch (error) {
    if (error instanceof OpeningStalled) {
      abandon.abort()
      opening.then((late) => late.shutdownPromise(), () => {})
    }
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Remove this notebook's completion store from OPFS (only that directory: it is a cache, and
 * nothing else is ever touched). Resolves to null, or to why it could not be removed.
 */
export async function removeCompletionStore(notebookId) {
  try {
    const root = await navigator.storage.getDirectory()
    await root.removeEntry(completionStoreDirectory(notebookId), { recursive: true })
    return null
  } catch (error) {
    return error?.name === 'NotFoundError' ? null : `${error?.name ?? 'Error'}: ${error?.message ?? error}`
  }
}

/** Whether this notebook's completion store is in OPFS (an earlier visit left it); never throws. */
export async function hasCompletionStore(notebookId) {
  try {
    const root = await navigator.storage.getDirectory()
    await root.getDirectoryHandle(completionStoreDirectory(notebookId))
    return true
  } catch {
    return false
  }
}

/** One line for an error, LiveStore's nested ones included (their innermost cause names the fault). */
export function describeError(error) {
  let text = String(error?.message ?? error)
  for (let inner = error?.cause; inner; inner = inner.cause) text = String(inner.message ?? inner)
  return text.split('\n')[0].slice(0, 300)
}

/** Why OPFS cannot be used here (storage denied, unsupported browser), or null when it can. */
export async function opfsUnavailableBecause() {
  try {
    if (!navigator.storage?.getDirectory) return 'this browser has no Origin Private File System'
    await navigator.storage.getDirectory()
    return null
  } catch (error) {
    return `the browser refused OPFS storage (${error?.name ?? 'Error'}: ${error?.message ?? error})`
  }
}

export { events, queries, tables }
