// Whether this client may open a notebook through a sync backend, and in which role, asked before
// its stores connect: LiveStore retries a refused connection for ever without saying why, so the
// person would only see "offline". The backend checks again on every connection and push.
import { TokenRefused, checkClaims, readClaims } from '../sync/access.js'

const ASK_TIMEOUT_MS = 5000

/** The backend's `/access` URL for a ws:// or wss:// sync URL. */
export function accessUrl(syncUrl, notebookId) {
  const url = new URL(syncUrl.replace(/^ws/, 'http'))
  url.pathname = '/access'
  url.search = `?notebook=${encodeURIComponent(notebookId)}`
  return url.href
}

/**
 * {allowed: true, role, exp, checked} or {allowed: false, why}; `exp` in Unix seconds. What the token claims is checked here
 * first (no token, malformed, expired, another notebook's); then the backend checks its signature.
 * A backend that cannot be reached now leaves `checked` false: the claimed role stands until the
 * stores connect, where the backend refuses a bad token all the same.
 */
export async function checkSyncAccess({ syncUrl, notebookId, token, fetchImpl = globalThis.fetch }) {
  let claims
  try {
    claims = checkClaims(readClaims(token), notebookId)
  } catch (error) {
    if (error instanceof TokenRefused) return { allowed: false, why: error.message }
    throw error
  }
  let answer
  try {
    const response = await fetchImpl(accessUrl(syncUrl, notebookId), {
      method: 'POST',
      body: token,
      signal: AbortSignal.timeout(ASK_TIMEOUT_MS),
    })
    answer = await response.json()
  } catch {
    return { allowed: true, role: claims.role, exp: claims.exp, checked: false }
  }
  if (answer?.allowed === true) return { allowed: true, role: answer.role, exp: claims.exp, checked: true }
  return { allowed: false, why: String(answer?.why ?? 'refused by the sync backend').slice(0, 200) }
}

/** Calls `onExpired()` when a token that expires at `exp` (Unix seconds) does; returns a cancel. */
export function whenExpired(exp, onExpired) {
  // setTimeout holds at most 2^31-1 ms (24.8 days): a longer wait is taken in steps.
  const MAX_WAIT_MS = 2 ** 31 - 1
  let timer
  const wait = () => {
    const left = exp * 1000 - Date.now()
    if (left <= 0) return onExpired()
    timer = setTimeout(wait, Math.min(left, MAX_WAIT_MS))
  }
  wait()
  return () => clearTimeout(timer)
}

/**
 * Ask the backend what `token` grants `lc` (a Livecomplete) and say it: `lc.syncRole` and a
 * 'sync-role' event, or `lc.syncRefused`, a 'sync-refused' event and `lc.syncUrl` cleared (the
 * notebook then stays in this browser). Also says so when the token expires later on.
 */
export async function askAccess(lc, token) {
  const access = await checkSyncAccess({ syncUrl: lc.syncUrl, notebookId: lc.notebookId, token })
  const refuse = (why) => {
    lc.syncRefused = why
    lc.dispatchEvent(new CustomEvent('sync-refused', { detail: { why } }))
  }
  if (!access.allowed) {
    lc.syncUrl = null
    console.warn(`[livecomplete] not allowed to open this notebook through the sync backend: ${access.why}`)
    return refuse(access.why)
  }
  lc.syncRole = access.role
  if (lc.notebook) lc.notebook.readOnly = access.role === 'read'
  lc.dispatchEvent(new CustomEvent('sync-role', { detail: { role: access.role } }))
  // Past it the backend refuses this page's pushes (and LiveStore retries them for ever): say so.
  whenExpired(access.exp, () => {
    const why = 'the token has expired; reload with a new one'
    console.warn(`[livecomplete] the sync backend no longer lets this page in: ${why}`)
    refuse(why)
  })
}
