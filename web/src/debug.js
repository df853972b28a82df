// Probes for tests, benchmarks and the console (`lc.debug`), kept off the public API: what the
// store holds, per-completion timings, memory, and how often CodeMirror asked.
import { events as notebookEvents, tables as notebookTables } from './notebook-store.js'
import { tables } from './store.js'

/**
 * `page` gives read access to a Livecomplete's insides: `ready`, `store()`, `notebookStore()`,
 * `session()`, `pyodide()`, `browser()` (the livecomplete._browser module) and `sourceCalls()`.
 */
export function debugProbes(page) {
  let tracingProxies = false
  return {
    /** The stored requests and responses, as plain rows. */
    storedEvents() {
      const store = page.store()
      if (!store) return { requests: [], responses: [] }
      return {
        requests: store.query(tables.completionRequests.orderBy('timestamp', 'asc')),
        responses: store.query(tables.completionResponses.orderBy('timestamp', 'asc')),
      }
    },

    /**
     * Per completion, newest last: {completionId, roundTripMs (commit -> answer seen by this
     * page), answeredAt (epoch ms it was seen), kernelMs (the agent's kernel call), jediMs
     * (inside the kernel worker)}.
     */
    timings() {
      const session = page.session()
      return session ? JSON.parse(session.timings_json()) : []
    },

    /**
     * The notebook's main store (null before it opened), its events to commit raw ones with (tests
     * of what other clients may write), and its tables as plain rows.
     */
    notebookStore() {
      const store = page.notebookStore()
      if (!store) return null
      const rows = (table) => store.query(notebookTables[table])
      return { store, events: notebookEvents, rows }
    },

    /** How many completion queries CodeMirror has made of this page's sources. */
    get queriesStarted() {
      return page.sourceCalls()
    },

    /**
     * {jsHeapBytes, pyProxiesAlive, pythonObjects, pythonObjectTypes} (the ten most common Python
     * types). The first call starts tracing Pyodide proxies (a stack per proxy); `pyProxiesAlive`
     * counts those made since then and not yet released. `jsHeapBytes` is Chromium's used JS heap,
     * after a garbage collection when the page can ask for one. With `dropCaches`, the answers kept
     * for reuse (bounded caches, by design) are dropped first, as when a cell runs, so that what
     * remains counted is what a request could have left behind.
     */
    async memoryReport({ dropCaches = false } = {}) {
      await page.ready
      if (dropCaches) page.session()?.namespace_changed()
      const module = page.pyodide()._module
      if (!tracingProxies) {
        module.enable_pyproxy_allocation_tracing()
        tracingProxies = true
      }
      const { count: pythonObjects, byType: pythonObjectTypes } = JSON.parse(page.browser().python_objects())
      globalThis.gc?.()
      return {
        jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
        pyProxiesAlive: module.pyproxy_alloc_map.size,
        pythonObjects,
        pythonObjectTypes,
      }
    },
  }
}
