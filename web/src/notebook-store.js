// Opens a notebook's main store (store id = notebook id; Anode's schema, notebook-schema.js):
// in OPFS, shared by the origin's tabs, and synced through a sync backend when one is configured.
// Unlike the completion store it is never removed: it is the person's notebook. When it cannot
// be opened in OPFS the page keeps the notebook in memory and says why.
import { makeInMemoryAdapter, makePersistedAdapter } from '@livestore/adapter-web'
import LiveStoreSharedWorker from '@livestore/adapter-web/shared-worker?sharedworker'
import { makeWsSync } from '@livestore/sync-cf/client'
import NotebookSyncedWorker from './notebook-synced.worker.js?worker'
import NotebookWorker from './notebook.worker.js?worker'
import { events, schema, tables } from './notebook-schema.js'
import { queries } from './notebook-queries.js'
import { INITIAL_SYNC_MS } from './notebook-store-options.js'
import { describeError, OPEN_STALL_MS, openWith, opfsUnavailableBecause } from './store.js'

/**
 * `sync`: {url, token} of a sync backend, or null. Resolves to {store, persisted, whyNotPersisted}. `onFailure(why)`: LiveStore shut the store down
 * on an error after it opened.
 */
export async function openNotebookStore(notebookId, { sync = null, onFailure = () => {} } = {}) {
  const opening = { schema, storeId: notebookId, sync, onFailure }
  let whyNotPersisted = await opfsUnavailableBecause()
  if (!whyNotPersisted) {
    try {
      const adapter = makePersistedAdapter({
        storage: { type: 'opfs' },
        experimental: { disableFastPath: true }, // as for the completion store (store.js)
        worker: sync ? NotebookSyncedWorker : NotebookWorker,
        sharedWorker: LiveStoreSharedWorker,
      })
      // A synced opening waits for the backend's events first (INITIAL_SYNC_MS).
      const stallMs = OPEN_STALL_MS + (sync ? INITIAL_SYNC_MS : 0)
      return { store: await openWith(adapter, { ...opening, stallMs }), persisted: true, whyNotPersisted: null }
    } catch (error) {
      whyNotPersisted = `the notebook could not be opened in OPFS (${describeError(error)}); nothing was deleted`
    }
  }
  console.warn(`[livecomplete] the notebook is kept in memory for this page: ${whyNotPersisted}`)
  const syncing = sync
    ? {
      backend: makeWsSync({ url: sync.url }),
      initialSyncOptions: { _tag: 'Blocking', timeout: INITIAL_SYNC_MS },
      onBackendIdMismatch: 'shutdown', // as in notebook-synced.worker.js
    }
    : undefined
  const store = await openWith(makeInMemoryAdapter({ sync: syncing }), opening)
  return { store, persisted: false, whyNotPersisted }
}

export { events, queries, tables }
