// Loads Pyodide from the locally served `pyodide/` folder and our wheels from `wheels/`
// (listed in wheels/manifest.json by build.py). Used by the page and by the kernel worker.

/**
 * @param {object} args
 * @param {string} args.baseUrl  the page's base URL (pyodide/ and wheels/ live under it)
 * @param {'page'|'kernel'} args.wheels  which wheel set of the manifest to load
 * @param {(detail: string) => void} [args.onProgress]
 */
export async function loadPython({ baseUrl, wheels, onProgress = () => {} }) {
  const indexURL = new URL('pyodide/', baseUrl).href
  onProgress('loading Python')
  const { loadPyodide } = await import(/* @vite-ignore */ new URL('pyodide.mjs', indexURL).href)
  const pyodide = await loadPyodide({ indexURL })
  onProgress('loading packages')
  const response = await fetch(new URL('wheels/manifest.json', baseUrl))
  if (!response.ok) throw new Error(`wheels/manifest.json: HTTP ${response.status} (run python3 build.py)`)
  const manifest = await response.json()
  const urls = manifest[wheels].map((name) => new URL(`wheels/${name}`, baseUrl).href)
  // Absolute URLs load the wheels directly; by name, Pyodide would check them against its lock.
  await pyodide.loadPackage(urls, { messageCallback: () => {}, errorCallback: (m) => console.warn(m) })
  return pyodide
}
