// The sync backend: LiveStore's Cloudflare sync server (`@livestore/sync-cf`), one Durable Object
// per store id. Pages and remote kernels connect outbound to it over WebSocket; it keeps each
// store's event log and relays new events to every client of that store. Run locally by
// `python3 build.py sync` (wrangler dev, on 127.0.0.1); deployable as is with `wrangler deploy`.
import { makeDurableObject, makeWorker } from '@livestore/sync-cf/cf-worker'

export class SyncBackendDO extends makeDurableObject({}) {}

export default makeWorker({ syncBackendBinding: 'SYNC_BACKEND_DO' })
