// Notices a completion store that stopped saving. LiveStore writes to OPFS in its leader worker,
// after `commit()` has returned, so a refused write (the origin's quota exhausted, say) never
// fails a commit: the leader stops confirming, and the page's events stay pending. Pending events
// with no progress of the leader's head for `stallMs` mean the store is no longer being saved.

/**
 * Polls `store.syncStatus()`; calls `onStall(description)` once, then stops.
 * Returns a function that stops the watch.
 */
export function watchPersistence(store, { stallMs, onStall, pollMs = 500 }) {
  let head = null
  let stuckSince = null
  const check = () => {
    let status
    try {
      status = store.syncStatus()
    } catch {
      return stop() // the store was shut down: whoever did it takes over
    }
    const now = performance.now()
    if (status.pendingCount === 0 || status.upstreamHead !== head || stuckSince === null) {
      // Saved, or the leader made progress, or events just became pending: (re)start the clock.
      head = status.upstreamHead
      stuckSince = status.pendingCount === 0 ? null : now
    } else if (now - stuckSince >= stallMs) {
      stop()
      onStall(
        `${status.pendingCount} events not saved after ${Math.round((now - stuckSince) / 1000)} s; ` +
          'OPFS refused the writes, the site may be out of storage quota',
      )
    }
  }
  const timer = setInterval(check, pollMs)
  const stop = () => clearInterval(timer)
  return stop
}
