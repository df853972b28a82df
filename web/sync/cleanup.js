// Cleanup at the sync backend: a completion store's history is a cache, emptied by the backend
// itself when nobody has asked anything for longer than a retention, or when it has grown past a
// size cap (then only once nobody asked for a while, so no page still waits for an answer in it).
// A kernel's own events (answers, lease renewals) do not count as asking. A notebook's main store
// is never emptied. `decideCleanup` is the policy, a pure function; `storedHistory` and `emptyHistory` act
// on a Durable Object's SQLite. docs/cleanup.md#at-the-sync-backend says why it works this way.
import facts from '../../build/generated/facts.mjs'
import { COMPLETIONS_SUFFIX } from '../src/facts.js'

const DAY_MS = 24 * 3600 * 1000
// What people push, as opposed to kernels: asking (requests and their operations).
const ASKING = facts.access.eventsByRole.write

/** Whether the backend may ever empty store `storeId`'s history: completion stores only. */
export const mayEmpty = (storeId) => typeof storeId === 'string' && storeId.endsWith(COMPLETIONS_SUFFIX)

/**
 * The cleanup settings from the Worker's environment (LIVECOMPLETE_RETENTION_DAYS,
 * LIVECOMPLETE_MAX_STORE_MB, LIVECOMPLETE_CLEANUP_CHECK_SECONDS), defaults from limits.py.
 * Throws naming the variable when a value is not a positive number.
 */
export function cleanupSettings(env = {}) {
  const { retentionDays, maxStoreMb, quietMs, checkSeconds } = facts.backendCleanup
  const read = (name, fallback) => {
    const text = env[name]
    if (text === undefined || text === '') return fallback
    const value = Number(text)
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(text)}`)
    return value
  }
  return {
    retentionMs: read('LIVECOMPLETE_RETENTION_DAYS', retentionDays) * DAY_MS,
    maxBytes: read('LIVECOMPLETE_MAX_STORE_MB', maxStoreMb) * 1024 * 1024,
    quietMs,
    checkMs: read('LIVECOMPLETE_CLEANUP_CHECK_SECONDS', checkSeconds) * 1000,
  }
}

/**
 * What to do with a store's history now. `history`: {events, bytes, lastAskedAt (ms: the last
 * request, or the history's first event when it holds none)} or null when it holds nothing.
 * Returns {empty: why} to empty it, {checkAt: ms} to look again then, or {} when there is nothing
 * to look at until a client connects again.
 */
export function decideCleanup(history, now, { retentionMs, maxBytes, quietMs, checkMs }) {
  if (!history || !(history.events > 0)) return {}
  const idleMs = now - history.lastAskedAt
  if (idleMs >= retentionMs) {
    return { empty: `nothing asked for ${formatDuration(idleMs)}, past the retention of ${formatDuration(retentionMs)}` }
  }
  if (history.bytes > maxBytes) {
    // Over the cap, it goes once quiet: a request in it may still be awaited until then.
    if (idleMs >= quietMs) return { empty: `${formatBytes(history.bytes)} stored, past the cap of ${formatBytes(maxBytes)}` }
    return { checkAt: history.lastAskedAt + quietMs }
  }
  return { checkAt: Math.min(history.lastAskedAt + retentionMs, now + checkMs) }
}

const formatDuration = (ms) =>
  ms >= DAY_MS ? `${(ms / DAY_MS).toFixed(1)} days` : ms >= 3600_000 ? `${(ms / 3600_000).toFixed(1)} h` : `${(ms / 1000).toFixed(1)} s`
const formatBytes = (bytes) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`)

// sync-cf 0.4.0 keeps a store's events in a table `eventlog_<version>_<store>` and its head and
// backend id in `context_<version>`, in the Durable Object's SQLite.
const TABLES = (sql, prefix) =>
  sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'`, `${prefix}\\_%`)
    .toArray().map((row) => row.name)

/** The store id this Durable Object serves, or null before any client reached it. */
export function storedStoreId(sql) {
  for (const table of TABLES(sql, 'context')) {
    const row = sql.exec(`SELECT storeId FROM "${table}" LIMIT 1`).toArray()[0]
    if (row) return row.storeId
  }
  return null
}

/** {events, bytes, lastAskedAt} of the history kept in `sql` (see decideCleanup), or null when it holds none. */
export function storedHistory(sql) {
  let events = 0
  let bytes = 0
  let lastAskedAt = null
  let firstAt = null
  const asking = ASKING.map(() => '?').join(', ')
  for (const table of TABLES(sql, 'eventlog')) {
    const row = sql.exec(
      `SELECT COUNT(*) AS n, MIN(createdAt) AS first,
              MAX(CASE WHEN name IN (${asking}) THEN createdAt END) AS asked,
              COALESCE(SUM(LENGTH(name) + LENGTH(COALESCE(args, '')) + LENGTH(clientId) + LENGTH(sessionId) + 40), 0) AS bytes
       FROM "${table}"`,
      ...ASKING,
    ).toArray()[0]
    events += row.n
    bytes += row.bytes
    if (row.asked) lastAskedAt = Math.max(lastAskedAt ?? 0, Date.parse(row.asked))
    if (row.first) firstAt = Math.min(firstAt ?? Infinity, Date.parse(row.first))
  }
  return events > 0 ? { events, bytes, lastAskedAt: lastAskedAt ?? firstAt } : null
}

/**
 * Empty the history kept in `sql`: its events and the head and backend id that go with them. The
 * next client to connect gets a new backend id; one that held the old history is told it differs
 * and starts afresh (LiveStore's onBackendIdMismatch: 'reset', set on completion stores only).
 */
export function emptyHistory(sql) {
  for (const table of [...TABLES(sql, 'eventlog'), ...TABLES(sql, 'context')]) sql.exec(`DROP TABLE "${table}"`)
}
