// Follows a LiveStore store's connection to its sync backend, for the page and the remote kernel
// alike (no browser APIs). LiveStore reconnects by itself; this only reports the changes.
import { Effect, Fiber, Stream } from 'effect'

/**
 * Calls `onChange(isConnected)` when the store connects to or loses its sync backend (not for
 * repeats of the same state). Returns a function that stops following.
 */
export function watchConnection(store, onChange) {
  let connected = null
  const fiber = Effect.runFork(
    store.networkStatus.changes.pipe(
      Stream.tap(({ isConnected }) =>
        Effect.sync(() => {
          if (isConnected === connected) return
          connected = isConnected
          onChange(isConnected)
        }),
      ),
      Stream.runDrain,
      Effect.scoped,
    ),
  )
  return () => Effect.runFork(Fiber.interrupt(fiber))
}
