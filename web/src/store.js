// Opens a notebook's completion store (`${notebookId}-completions`, persisted in OPFS) and
// names the two queries the Python side subscribes to.
import { makePersistedAdapter } from '@livestore/adapter-web'
import { liveStoreStorageFormatVersion } from '@livestore/common'
import LiveStoreSharedWorker from '@livestore/adapter-web/shared-worker?sharedworker'
import { createStorePromise, queryDb } from '@livestore/livestore'
import LiveStoreWorker from './livestore.worker.js?worker'
import { events, schema, tables } from './schema.js'

/** The completion store id of a notebook, as the proposal names it. */
export const completionStoreId = (notebookId) => `${notebookId}-completions`

/** LiveStore's storage format: its OPFS directories end in `@<version>`. */
export const storageFormatVersion = liveStoreStorageFormatVersion

/** The OPFS root directory that holds a notebook's completion store. */
export const completionStoreDirectory = (notebookId) =>
  `livestore-${completionStoreId(notebookId)}@${storageFormatVersion}`

/** Open (or create) the notebook's completion store in OPFS; shared across the origin's tabs. */
export async function openCompletionStore(notebookId) {
  const adapter = makePersistedAdapter({
    storage: { type: 'opfs' },
    worker: LiveStoreWorker,
    sharedWorker: LiveStoreSharedWorker,
  })
  return createStorePromise({ schema, adapter, storeId: completionStoreId(notebookId) })
}

/** Query builders the Python side subscribes to (plain arguments in, LiveStore queries out). */
export const queries = {
  responseFor: (completionId) =>
    queryDb(tables.completionResponses.where({ id: completionId }), { label: `response:${completionId}` }),
  openRequestsFor: (requestedBy) =>
    queryDb(
      tables.completionRequests.where({ requestedBy, answered: false }).orderBy('timestamp', 'asc'),
      { label: `openRequests:${requestedBy}` },
    ),
}

export { events, tables }
