// The page's side of the notebook's main store: opening it with its watches, and the page's
// Python session that renders it (py/livecomplete/_page_notebook.py). The store holds the person's
// work: a problem with it is said loudly above the cells, and it is never removed or reset.
import { optionValue, storeDirectory } from './facts.js'
import { openNotebookStore, events as notebookEvents, queries as notebookQueries } from './notebook-store.js'
import { watchPersistence } from './persistence-watchdog.js'
import { storageFormatVersion } from './store.js'
import { watchSync } from './sync-watchdog.js'

/** Open `lc`'s notebook store (synced through `sync`, {url, token}, when given); resolves to it. */
export async function openNotebook(lc, sync) {
  const stopped = (why) => {
    const text = `The notebook stopped saving (${why}): changes from now on are in this page only.`
    console.error(`[livecomplete] ${text}`)
    lc.notebook.reportProblem(text)
  }
  const { store, persisted, whyNotPersisted } = await openNotebookStore(lc.notebookId, { sync, onFailure: stopped })
  performance.mark('livecomplete:notebook-store-opened')
  if (persisted) watchPersistence(store, { stallMs: optionValue(lc.options, 'storeStallMs'), onStall: stopped })
  if (sync) {
    watchSync(store, {
      isConnected: () => lc.syncConnected === true,
      onStall: (why) => {
        const text = `The notebook stopped syncing (${why}): changes are kept in this browser, but others do not see them. Reload the page to try again.`
        console.error(`[livecomplete] ${text}`)
        lc.notebook.reportProblem(text)
      },
    })
  }
  lc.notebook.persisted = persisted
  if (!persisted) lc.notebook.reportProblem(`The notebook is kept in memory for this page only: ${whyNotPersisted}.`)
  return store
}

/**
 * Render the notebook from `store` and follow it, with the page's Python (`pyodide`); `firstCells`
 * are a new notebook's sources. Returns the page's notebook session.
 */
export function showNotebook(lc, { pyodide, store, firstCells }) {
  const pageNotebook = pyodide.pyimport('livecomplete._browser').open_notebook({
    store,
    events: notebookEvents,
    queries: notebookQueries,
    notebookId: lc.notebookId,
    notebookDirectory: storeDirectory(lc.notebookId, storageFormatVersion),
    firstCellsJson: JSON.stringify(firstCells),
    kernel: lc.kernel,
    clientId: lc.clientId,
    // Without a sync backend no remote kernel can serve the notebook: the page's kernel runs
    // its cells from now on, even while the completion store is still opening.
    serveAtOnce: !lc.syncUrl,
    // A read token may write nothing: a new notebook is not even started.
    readOnly: lc.syncRole === 'read',
    onView: (viewJson) => lc.notebook.showView(viewJson),
  })
  lc.notebook.attach(pageNotebook)
  // Nothing is committed as the page goes away (pagehide): a commit then left the store's
  // leader so that the next opening of the notebook stalled (docs/notebook.md).
  return pageNotebook
}
