// LiveStore's leader worker for a completion store that syncs: as livestore.worker.js, plus an
// outbound WebSocket to the sync backend whose URL the page passes as the store's sync payload
// ({syncUrl}; a worker bundle has no other way to receive it).
import { makeWorker } from '@livestore/adapter-web/worker'
import { makeWsSync } from '@livestore/sync-cf/client'
import { schema } from './schema.js'

makeWorker({
  schema,
  // A sync that fails for good shuts the store down, so the page starts it afresh (LiveStore's
  // default ends the sync silently: docs/sync.md#the-silent-stall). So does a backend that no
  // longer holds the store's history (a new backend id). Not 'reset': it forgets what was synced,
  // and the old history came back as new events (docs/cleanup.md#at-the-sync-backend).
  sync: {
    backend: (args) => makeWsSync({ url: args.payload.syncUrl })(args),
    onSyncError: 'shutdown',
    onBackendIdMismatch: 'shutdown',
  },
})
