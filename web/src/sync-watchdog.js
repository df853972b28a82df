// Notices a store whose sync with the backend stalled while it stayed connected. Under concurrent
// writers LiveStore 0.4.0 can drop a client's own pushes around a rebase; its leader then keeps a
// broken chain of pending events and stops syncing for good, with no error and no disconnect
// (docs/sync.md#the-silent-stall). For the page and the remote kernel alike (no browser APIs).

/**
 * Why a store shut down, in a person's words when LiveStore's `error` is a new backend id: the
 * backend no longer holds the history this copy was synced with (its data was removed or reset),
 * and the store must be opened afresh (`onBackendIdMismatch: 'shutdown'`). Else null.
 */
export const lostAtBackend = (error) =>
  error?._tag === 'BackendIdMismatchError' ? 'the sync backend no longer holds this history (a new backend id)' : null

/** How long events may wait unconfirmed, while connected and with no progress, before a store
 * counts as stalled. LiveStore's own retry after a refused push takes well under a second. */
export const SYNC_STALL_MS = 8000

/**
 * Polls the store's session and leader sync states; calls `onStall(description)` once when the
 * same event stays unconfirmed for `stallMs` of polls while `isConnected()`, or when the store was
 * shut down under the watch (a sync that failed, with `onSyncError: 'shutdown'`). Polls are
 * counted rather than the clock read, so a process that was busy (a long cell) gets the full time
 * after it comes back. Returns a function that stops the watch.
 */
export function watchSync(store, { onStall, isConnected, stallMs = SYNC_STALL_MS, pollMs = 1000 }) {
  // Two hand-offs can stall: the page's session to its leader, and the leader to the backend.
  const session = stallClock()
  const leader = stallClock()
  let stopped = false
  let checking = false
  const check = async () => {
    if (checking || stopped) return
    checking = true
    try {
      let states
      try {
        states = await store._dev.syncStates()
      } catch (error) {
        if (stopped) return // shut down by whoever stopped this watch
        stop()
        return onStall(`the store shut down: ${error?.message ?? error}`) // LiveStore's onSyncError
      }
      if (stopped) return
      const connected = isConnected()
      const stuck = Math.max(
        session.polls(states.session, connected),
        leader.polls(states.leader, connected),
      )
      if (stuck * pollMs >= stallMs) {
        stop()
        const pending = states.session.pending.length + states.leader.pending.length
        onStall(`${pending} events not confirmed by the sync backend for ${Math.round((stuck * pollMs) / 1000)} s while connected`)
      }
    } finally {
      checking = false
    }
  }
  const timer = setInterval(check, pollMs)
  const stop = () => {
    stopped = true
    clearInterval(timer)
  }
  return stop
}

/** Counts the polls for which a sync state kept the same first pending event: one that is never
 * confirmed, whatever else moves (a rebase renumbers it, so it is known by name and arguments). */
function stallClock() {
  let oldest = null
  let stuck = 0
  return {
    polls({ pending }, connected) {
      const first = pending[0]
      const now = first ? `${first.name} ${JSON.stringify(first.args)}` : null
      if (now === null || now !== oldest || !connected) stuck = 0
      else stuck += 1
      oldest = now
      return stuck
    },
  }
}
