// LiveStore's leader worker for a notebook's main store that syncs (the URL comes in the sync
// payload, as in livestore-synced.worker.js). Opening waits for the backend's events first (up to
// INITIAL_SYNC_MS), so a page that joins someone's notebook does not take it for a new one.
import { makeWorker } from '@livestore/adapter-web/worker'
import { makeWsSync } from '@livestore/sync-cf/client'
import { INITIAL_SYNC_MS } from './notebook-store-options.js'
import { schema } from './notebook-schema.js'

makeWorker({
  schema,
  sync: {
    backend: (args) => makeWsSync({ url: args.payload.syncUrl })(args),
    initialSyncOptions: { _tag: 'Blocking', timeout: INITIAL_SYNC_MS },
    // The person's work: a backend that lost the notebook (a new backend id) never has this
    // browser's copy dropped, as LiveStore's default 'reset' would; the page says it stopped.
    onBackendIdMismatch: 'shutdown',
  },
})
