// Loads Pyodide from the locally served `pyodide/` folder and our wheels from `wheels/`
// (listed in wheels/manifest.json by build.py). Used by the page and by the kernel worker.
//
// A plain start (Pyodide, then our imports, then for the kernel Jedi's first completion) takes
// seconds. build.py also makes a memory snapshot per wheel set (`snapshots/<set>.bin`, see
// py/livecomplete/_snapshot.py), with the files that go with it (`snapshots/<set>.files`: the
// unpacked wheels, and the kernel's unpacked stdlib): Pyodide restored from one has all that
// done. A snapshot that is missing or does not fit this Pyodide is reported, and the start is a
// plain one.

import { optionValue } from './facts.js'

/**
 * @param {object} args
 * @param {string} args.baseUrl  the page's base URL (pyodide/ and wheels/ live under it)
 * @param {'page'|'kernel'} args.wheels  which wheel set of the manifest to load
 * @param {boolean} [args.fromSnapshot]  start from `snapshots/<wheels>.bin` when it is there
 * @param {(detail: string) => void} [args.onProgress]
 * @param {object} [args.pyodide]  a Pyodide the host already runs (PyScript's, say): the wheels
 *   are unpacked into it instead of starting one
 * @returns {Promise<{pyodide: object, snapshot: {restored: boolean, ms: number, problem: string|null}}>}
 */
export async function loadPython({ baseUrl, wheels, fromSnapshot = true, onProgress = () => {}, pyodide: hosts = null }) {
  const began = performance.now()
  if (hosts) {
    onProgress('loading packages')
    await unpackWheels(hosts, fetchWheels(baseUrl, wheels))
    const ms = Math.round(performance.now() - began)
    return { pyodide: hosts, snapshot: { restored: false, ms, problem: "the host's own Python" } }
  }
  const indexURL = new URL('pyodide/', baseUrl).href
  onProgress('loading Python')
  const { loadPyodide } = await import(/* @vite-ignore */ new URL('pyodide.mjs', indexURL).href)
  let pyodide = null
  let problem = fromSnapshot ? null : 'turned off (startFromSnapshot: 0)'
  if (fromSnapshot) {
    try {
      pyodide = await restoreSnapshot(loadPyodide, indexURL, baseUrl, wheels)
    } catch (error) {
      problem = String(error?.message ?? error)
      console.warn(`[livecomplete] starting Python without a snapshot: ${problem}`)
    }
  }
  if (!pyodide) {
    // The wheels download while Python starts.
    const wheelsPromise = fetchWheels(baseUrl, wheels)
    wheelsPromise.catch(() => {}) // awaited below; an early failure must not go unhandled
    pyodide = await loadPyodide({ indexURL })
    onProgress('loading packages')
    await unpackWheels(pyodide, wheelsPromise)
  }
  const ms = Math.round(performance.now() - began)
  return { pyodide, snapshot: { restored: !problem, ms, problem } }
}

/** Unpack the wheels `wheelsPromise` brings into `pyodide`'s site-packages, importable at once. */
async function unpackWheels(pyodide, wheelsPromise) {
  // Pure-Python wheels need no more than unpacking (loadPackage would also resolve them
  // against Pyodide's lock file, and costs twice the time).
  const extractDir = pyodide.runPython('import site; site.getsitepackages()[0]')
  for (const wheel of await wheelsPromise) pyodide.unpackArchive(wheel, 'whl', { extractDir })
  pyodide.runPython('import importlib; importlib.invalidate_caches()')
}

/** A successful response for `url`, or an error that names it as `name`. */
async function fetchOk(url, name) {
  const response = await fetch(url).catch((error) => {
    throw new Error(`could not load ${name} (${error?.message ?? error})`)
  })
  if (!response.ok) throw new Error(`could not load ${name} (HTTP ${response.status}; run python3 build.py)`)
  return response
}

/** The bytes of each wheel of set `wheels` in wheels/manifest.json. */
async function fetchWheels(baseUrl, wheels) {
  const fetchPath = (path) => fetchOk(new URL(path, baseUrl), path)
  const manifest = await (await fetchPath('wheels/manifest.json')).json()
  return Promise.all(manifest[wheels].map(async (name) => (await fetchPath(`wheels/${name}`)).arrayBuffer()))
}

/**
 * Pyodide restored from the snapshot `snapshots/<set>.bin`, with the files of `<set>.files`
 * written back and `_snapshot.after_restore()` run; throws (nothing is left running) when it
 * can't be.
 */
async function restoreSnapshot(loadPyodide, indexURL, baseUrl, set) {
  const load = async (suffix) => {
    const url = new URL(`snapshots/${set}${suffix}`, baseUrl)
    return new Uint8Array(await (await fetchOk(url, url.pathname)).arrayBuffer())
  }
  // Everything starts downloading at once: the snapshot and its files here, Pyodide's runtime
  // (wasm, stdlib) in loadPyodide, which awaits the snapshot only when it needs it.
  const snapshot = load('.bin')
  const files = load('.files')
  const moduleScript = import(/* @vite-ignore */ new URL('pyodide.asm.mjs', indexURL).href)
  return restoreFromSnapshot({ loadPyodide, indexURL, snapshot, files, moduleScript })
}

/**
 * Pyodide restored from a snapshot: `snapshot` and `files` are promises of its bytes (`.bin`,
 * `.files`), `moduleScript` of Pyodide's `pyodide.asm.mjs` module; `indexURL` where the rest of
 * Pyodide is (undefined under Node: its package). Throws when the snapshot does not fit. Also used
 * by the remote kernel under Node (web/node/remote-kernel.js).
 */
export async function restoreFromSnapshot({ loadPyodide, indexURL, snapshot, files, moduleScript }) {
  // The heap's size, not the snapshot: what Pyodide keeps of the function below must not hold it.
  const snapshotSize = snapshot.then((bytes) => bytes.length)
  for (const pending of [snapshot, snapshotSize, files, moduleScript]) pending.catch(() => {}) // awaited below
  const pyodide = await loadPyodide({
    ...(indexURL ? { indexURL } : {}),
    _loadSnapshot: snapshot,
    // Pyodide copies the snapshot over its heap without growing it first: a snapshot taken
    // after Jedi warmed up is larger than a fresh heap. Growing the heap (sbrk) makes room; the
    // restore then overwrites the allocator's state with the snapshot's own.
    createPyodideModule: async (settings) => {
      const [{ default: createPyodideModule }, size] = await Promise.all([moduleScript, snapshotSize])
      const module = await createPyodideModule(settings)
      if (size > module.HEAP8.length) module._sbrk(size - module._sbrk(0))
      return module
    },
  })
  // Pyodide keeps its options: without this the snapshot (tens of MB) would stay in memory.
  delete pyodide._api.config._loadSnapshot
  // The restored parse caches hold for files no newer than when they were parsed (_snapshot.py).
  const settledSeconds = pyodide.runPython('from livecomplete._snapshot import SETTLED_MTIME; SETTLED_MTIME')
  writeFileImage(pyodide.FS, await files, settledSeconds * 1000)
  pyodide.runPython('from livecomplete import _snapshot; _snapshot.after_restore()')
  return pyodide
}

/**
 * Write the files of an image made by web/node/make-snapshots.js (its format is described there),
 * each modified at `mtimeMs`. The files keep views of `image`: nothing is copied.
 */
function writeFileImage(FS, image, mtimeMs) {
  const damaged = (why) => new Error(`the snapshot's file image is damaged (${why})`)
  if (image.length < 4) throw damaged('too short')
  const indexLength = new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(0, true)
  if (4 + indexLength > image.length) throw damaged('its index runs past its end')
  let index
  try {
    index = JSON.parse(new TextDecoder().decode(image.subarray(4, 4 + indexLength)))
  } catch (error) {
    throw damaged(`unreadable index: ${error.message}`)
  }
  let offset = 4 + indexLength
  const folders = new Set()
  for (const [file, size] of index) {
    const folder = file.slice(0, file.lastIndexOf('/'))
    if (!folders.has(folder)) {
      FS.mkdirTree(folder)
      folders.add(folder)
    }
    FS.writeFile(file, image.subarray(offset, offset + size), { canOwn: true })
    FS.utime(file, mtimeMs, mtimeMs)
    offset += size
  }
  if (offset !== image.length) throw damaged('its sizes do not add up')
}

/** Whether livecomplete options (camelCase or snake_case, as Python accepts them) ask for snapshots. */
export function snapshotWanted(options) {
  return optionValue(options, 'startFromSnapshot') !== 0
}
