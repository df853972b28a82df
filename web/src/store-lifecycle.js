// Opening a notebook's completion store so that completions always get one: in OPFS when it
// opens, afresh when it will not (it is a cache), in memory for this page when nothing else works.
import { describeError, OPEN_STALL_MS, OpeningStalled, openCompletionStore, removeCompletionStore } from './store.js'

/**
 * Open the completion store in OPFS when possible. A store that will not open (damaged, say, by a
 * tab closed while LiveStore was writing) is removed and started afresh, once; failing that, one
 * opens in memory and says why. One that stalls is removed too, but this page keeps its
 * completions in memory: a second opening in OPFS stalled as well in the same page (LiveStore's
 * shared worker seems to wait on the abandoned one); the next visit starts anew.
 * `onFailure(store, why)`: LiveStore shut an opened store down on an error. `onNotice(text)`:
 * something the person should read. Resolves to {store, persisted, whyNotPersisted}.
 */
export async function openOrStartAfresh(notebookId, { sync, onFailure, onNotice }) {
  const open = (inMemory = null) => openOnce(notebookId, { inMemory, sync, onFailure })
  if (markedForFreshStart(notebookId)) {
    const notRemoved = await removeCompletionStore(notebookId)
    if (notRemoved) console.warn(`[livecomplete] could not remove the completion store that stopped syncing: ${notRemoved}`)
    else unmarkForFreshStart(notebookId)
  }
  try {
    return await open()
  } catch (error) {
    const why = describeError(error)
    console.warn(`[livecomplete] could not open the completion store (${why}); removing it`)
    const notRemoved = await removeCompletionStore(notebookId)
    if (error instanceof OpeningStalled) {
      const removed = notRemoved
        ? `it could not be removed (${notRemoved})`
        : 'it was removed, and the next visit starts a new one'
      return open(`the completion store did not open in ${OPEN_STALL_MS / 1000} s (its database may be damaged); ${removed}`)
    }
    if (notRemoved) return open(`the completion store could not be opened (${why}) nor removed (${notRemoved})`)
    try {
      const opened = await open()
      onNotice(`The completion store could not be opened (${why}); it was removed and started afresh.`)
      return opened
    } catch (again) {
      return open(`the completion store could not be opened (${describeError(again)})`)
    }
  }
}

/** Open the completion store; in memory with `inMemory` (a reason), else in OPFS when possible. */
export async function openOnce(notebookId, { inMemory = null, sync, onFailure }) {
  let failed = false
  let opened = null
  opened = await openCompletionStore(notebookId, {
    inMemory,
    sync,
    onFailure: (why) => {
      failed = true
      if (opened) onFailure(opened.store, why)
    },
  })
  // A store that failed while opening is as good as one that would not open.
  if (failed) throw new Error('the completion store shut down while opening')
  return opened
}

// A completion store that stopped syncing keeps the broken state that stalled it (sync-watchdog.js),
// and the page that noticed cannot remove it while LiveStore's worker holds its files: the next
// visit does, before opening.
const freshStartKey = (notebookId) => `livecomplete-start-afresh:${notebookId}`

/** Have the next visit remove this notebook's completion store before opening it. Never throws. */
export function markForFreshStart(notebookId) {
  try {
    localStorage.setItem(freshStartKey(notebookId), '1')
  } catch {
    // storage refused: the next visit opens the old store, which may stall again and be marked again
  }
}

function markedForFreshStart(notebookId) {
  try {
    return localStorage.getItem(freshStartKey(notebookId)) !== null
  } catch {
    return false
  }
}

function unmarkForFreshStart(notebookId) {
  try {
    localStorage.removeItem(freshStartKey(notebookId))
  } catch {
    // as above
  }
}
