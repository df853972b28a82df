// Opens a notebook's completion store (`${notebookId}-completions`, persisted in OPFS) and
// names the two queries the Python side subscribes to.
import { makeInMemoryAdapter, makePersistedAdapter } from '@livestore/adapter-web'
import { liveStoreStorageFormatVersion } from '@livestore/common'
import LiveStoreSharedWorker from '@livestore/adapter-web/shared-worker?sharedworker'
import { createStorePromise, queryDb, Schema } from '@livestore/livestore'
import { Cause, Deferred, Effect, Exit, FiberId } from 'effect'
import LiveStoreWorker from './livestore.worker.js?worker'
import { events, schema, tables } from './schema.js'

/** The completion store id of a notebook, as the proposal names it. */
export const completionStoreId = (notebookId) => `${notebookId}-completions`

/** LiveStore's storage format: its OPFS directories end in `@<version>`. */
export const storageFormatVersion = liveStoreStorageFormatVersion

/** The OPFS root directory that holds a notebook's completion store. */
export const completionStoreDirectory = (notebookId) =>
  `livestore-${completionStoreId(notebookId)}@${storageFormatVersion}`

/**
 * Open (or create) the notebook's completion store. In OPFS, shared across the origin's tabs,
 * when the browser allows it; otherwise in memory for this page only.
 * `inMemory` (a reason) skips OPFS. `onFailure(description)` is called when LiveStore shuts the
 * store down on an error (a write refused because the quota is exhausted, say); not when the
 * store is closed on purpose. Resolves to {store, persisted, whyNotPersisted}.
 */
export async function openCompletionStore(notebookId, { inMemory = null, onFailure = () => {} } = {}) {
  const whyNotPersisted = inMemory ?? (await opfsUnavailableBecause())
  const adapter = whyNotPersisted
    ? makeInMemoryAdapter()
    : makePersistedAdapter({ storage: { type: 'opfs' }, worker: LiveStoreWorker, sharedWorker: LiveStoreSharedWorker })
  const shutdown = Deferred.unsafeMake(FiberId.none)
  const store = await createStorePromise({
    schema,
    adapter,
    storeId: completionStoreId(notebookId),
    shutdownDeferred: shutdown,
    // Completion events are a cache: nothing to confirm when the page closes.
    confirmUnsavedChanges: false,
  })
  // LiveStore 0.4.0 queues every sync state (each holding its pending events) for the sync-status
  // stream and keeps them until someone reads that stream: ~1 KB of heap per event, forever.
  // Reading it, and dropping what it says, keeps the heap flat.
  store.subscribeSyncStatus(() => {})
  Effect.runPromiseExit(Deferred.await(shutdown)).then((exit) => {
    if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) onFailure(describeError(Cause.squash(exit.cause)))
  })
  return { store, persisted: !whyNotPersisted, whyNotPersisted }
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

/** One line for an error, LiveStore's nested ones included (their innermost cause names the fault). */
export function describeError(error) {
  let text = String(error?.message ?? error)
  for (let inner = error?.cause; inner; inner = inner.cause) text = String(inner.message ?? inner)
  return text.split('\n')[0].slice(0, 300)
}

/** Why OPFS cannot be used here (storage denied, unsupported browser), or null when it can. */
async function opfsUnavailableBecause() {
  try {
    if (!navigator.storage?.getDirectory) return 'this browser has no Origin Private File System'
    await navigator.storage.getDirectory()
    return null
  } catch (error) {
    return `the browser refused OPFS storage (${error?.name ?? 'Error'}: ${error?.message ?? error})`
  }
}

/** Query builders the Python side subscribes to (plain arguments in, LiveStore queries out). */
export const queries = {
  responseFor: (completionId) =>
    queryDb(tables.completionResponses.where({ id: completionId }), { label: `response:${completionId}` }),
  // Answers the store holds but will not use: extra answers to one request, answers to no request.
  anomalies: () =>
    queryDb(
      {
        query: `SELECT s.id, s.answers,
                  EXISTS (SELECT 1 FROM completionRequests r WHERE r.id = s.id) AS requested
                FROM completionResponses s
                WHERE s.answers > 1 OR NOT EXISTS (SELECT 1 FROM completionRequests r WHERE r.id = s.id)`,
        schema: Schema.Array(Schema.Struct({ id: Schema.String, answers: Schema.Number, requested: Schema.Number })),
      },
      { label: 'anomalies' },
    ),
  openRequestsFor: (requestedBy) =>
    queryDb(
      tables.completionRequests.where({ requestedBy, answered: false }).orderBy('timestamp', 'asc'),
      { label: `openRequests:${requestedBy}` },
    ),
}

export { events, tables }
