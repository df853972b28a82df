// Tokens and roles on the JavaScript side (their one source: py/livecomplete/access.py, generated
// into facts.mjs). The sync backend verifies with `verifyToken` and `refusedPush`; pages and the
// remote kernel only read their own claims (`readClaims`) to know their role before the backend
// says more. Runs in workerd, Node and the browser: WebCrypto only. docs/access.md says why.
import facts from '../../build/generated/facts.mjs'
import { COMPLETIONS_SUFFIX } from '../src/facts.js'

const { tokenPrefix, roles, eventsByRole, minSecretLength } = facts.access
const allowedByRole = Object.fromEntries(Object.entries(eventsByRole).map(([role, names]) => [role, new Set(names)]))
// The backend verifies a token on every pull and push: the key is imported once per secret.
const keys = new Map()
const hmacKey = (secret) => {
  if (!keys.has(secret)) {
    keys.set(secret, crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']))
  }
  return keys.get(secret)
}

/** Why a token grants nothing; its message never contains the token. */
export class TokenRefused extends Error {}

const fromBase64Url = (text) => {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

/** {notebook, role, exp} a token claims, unverified; throws TokenRefused. */
export function readClaims(token) {
  if (!token) throw new TokenRefused('no token')
  const parts = typeof token === 'string' ? token.split('.') : []
  if (parts.length !== 3 || parts[0] !== tokenPrefix) throw new TokenRefused('not a livecomplete token')
  let claims
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(parts[1])))
  } catch {
    throw new TokenRefused('not a livecomplete token')
  }
  const { notebook, role, exp } = claims ?? {}
  if (typeof notebook !== 'string' || !roles.includes(role) || !Number.isInteger(exp)) {
    throw new TokenRefused('not a livecomplete token')
  }
  return { notebook, role, exp }
}

/** The notebook a store id belongs to: itself, or the notebook of a completion store. */
export const notebookOfStore = (storeId) =>
  storeId.endsWith(COMPLETIONS_SUFFIX) ? storeId.slice(0, -COMPLETIONS_SUFFIX.length) : storeId

/** The claims a token for `notebook` may use now; throws TokenRefused (unsigned, expired, another
 * notebook's). `nowSeconds` is Unix time. The signature is compared by WebCrypto's verify. */
export async function verifyToken(token, secret, notebook, nowSeconds = Date.now() / 1000) {
  if (typeof secret !== 'string' || secret.length < minSecretLength) {
    throw new TokenRefused('the sync backend has no secret set up (LIVECOMPLETE_SYNC_SECRET)')
  }
  const claims = readClaims(token)
  const signed = token.slice(0, token.lastIndexOf('.'))
  let signature
  try {
    signature = fromBase64Url(token.slice(token.lastIndexOf('.') + 1))
  } catch {
    throw new TokenRefused('bad signature')
  }
  if (!(await crypto.subtle.verify('HMAC', await hmacKey(secret), signature, new TextEncoder().encode(signed)))) {
    throw new TokenRefused('bad signature')
  }
  return checkClaims(claims, notebook, nowSeconds)
}

/** `claims` when they are for `notebook` and unexpired at `nowSeconds`; throws TokenRefused. */
export function checkClaims(claims, notebook, nowSeconds = Date.now() / 1000) {
  if (claims.exp <= nowSeconds) throw new TokenRefused('the token has expired')
  if (claims.notebook !== notebook) throw new TokenRefused(`the token is for another notebook (${claims.notebook})`)
  return claims
}

/** Whether `role` may push an event named `name`. */
export const mayPush = (role, name) => allowedByRole[role]?.has(name) === true

/** Why a batch may not be pushed with these claims, or null: the first event the role may not write. */
export function refusedPush(claims, batch) {
  const refused = batch.find((event) => !mayPush(claims.role, event?.name))
  return refused === undefined ? null : `a ${claims.role} token may not write ${String(refused?.name).slice(0, 80)}`
}
