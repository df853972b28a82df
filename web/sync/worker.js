// The sync backend: LiveStore's Cloudflare sync server (`@livestore/sync-cf`), one Durable Object
// per store id. Pages and remote kernels connect outbound to it over WebSocket; it keeps each
// store's event log and relays new events to every client of that store. Run locally by
// `python3 build.py sync` (wrangler dev, on 127.0.0.1); deployable as is with `wrangler deploy`.
//
// Only a notebook's people get in: every connection, pull and push carries a token (the sync
// payload's `token`) signed with LIVECOMPLETE_SYNC_SECRET, naming the notebook and a role that
// limits what may be pushed (access.js; docs/access.md). `POST /access?notebook=<id>` with the
// token as its body says what it grants, so a page or kernel can tell a person why not.
import { env } from 'cloudflare:workers'
import { makeDurableObject, makeWorker } from '@livestore/sync-cf/cf-worker'
import { TokenRefused, notebookOfStore, refusedPush, verifyToken } from './access.js'

const secret = () => env.LIVECOMPLETE_SYNC_SECRET

const allowed = (payload, storeId) => verifyToken(payload?.token, secret(), notebookOfStore(storeId))

export class SyncBackendDO extends makeDurableObject({
  // Only WebSockets: the HTTP transport would be another door to keep.
  enabledTransports: new Set(['ws']),
  onPull: async (_message, { storeId, payload }) => {
    await allowed(payload, storeId)
  },
  onPush: async (message, { storeId, payload }) => {
    const claims = await allowed(payload, storeId)
    const why = refusedPush(claims, message.batch)
    if (why) throw new TokenRefused(why)
  },
}) {}

const sync = makeWorker({
  syncBackendBinding: 'SYNC_BACKEND_DO',
  validatePayload: async (payload, { storeId }) => {
    await allowed(payload, storeId)
  },
})

const CORS = { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/json' }

/** What a token grants on a notebook: {allowed: true, role, exp} or {allowed: false, why}. */
async function access(request) {
  const notebook = new URL(request.url).searchParams.get('notebook') ?? ''
  try {
    const { role, exp } = await verifyToken((await request.text()).trim(), secret(), notebook)
    return new Response(JSON.stringify({ allowed: true, role, exp }), { headers: CORS })
  } catch (error) {
    const why = error instanceof TokenRefused ? error.message : 'could not check the token'
    // 200 all the same: a refusal is an answer (a browser would log a 403 as an error).
    return new Response(JSON.stringify({ allowed: false, why }), { headers: CORS })
  }
}

export default {
  fetch(request, workerEnv, ctx) {
    const url = new URL(request.url)
    if (url.pathname === '/access' && request.method === 'POST') return access(request)
    if (url.searchParams.has('transport') && url.searchParams.get('transport') !== 'ws') {
      return new Response('only the WebSocket transport is served', { status: 400 })
    }
    return sync.fetch(request, workerEnv, ctx)
  },
}
