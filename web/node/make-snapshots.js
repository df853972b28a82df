// Makes the Pyodide memory snapshots the page and the kernel worker start from (see
// web/src/python.js and py/livecomplete/_snapshot.py): for each wheel set of the manifest, a
// fresh Pyodide with those wheels unpacked and `_snapshot.prepare(<set>)` run, its heap saved as
// `<out>/<set>.bin`. A heap holds no files, so `<out>/<set>.files` holds the ones a restored
// Python needs (the unpacked wheels and stdlib), for the page to write back in one go instead of
// unpacking archives again. Run by build.py:
//
//   node web/node/make-snapshots.js <dist/wheels> <dist/snapshots>
//
// The Pyodide here is the npm package build.py copies into dist/pyodide, so the snapshots fit
// the one the page loads (Pyodide checks its build id when restoring).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { loadPyodide } from 'pyodide'

const [wheelsDir, outDir] = process.argv.slice(2)
if (!wheelsDir || !outDir) {
  console.error('usage: node make-snapshots.js <wheels dir> <out dir>')
  process.exit(2)
}

async function makeSnapshot(kind, wheelNames) {
  const began = performance.now()
  const pyodide = await loadPyodide({ _makeSnapshot: true })
  // Where the page's loadPackage puts the wheels: module paths are part of the snapshot.
  const extractDir = pyodide.runPython('import site; site.getsitepackages()[0]')
  for (const name of wheelNames) {
    // unpackArchive, not loadPackage: it leaves no JavaScript objects behind for the snapshot.
    pyodide.unpackArchive(new Uint8Array(await readFile(path.join(wheelsDir, name))), 'whl', { extractDir })
  }
  // runPython, not pyimport: a proxy held now would be a JavaScript object in the snapshot.
  pyodide.runPython(`from livecomplete import _snapshot; _snapshot.prepare(${JSON.stringify(kind)})`)
  const roots = JSON.parse(pyodide.runPython('from livecomplete import _snapshot; _snapshot.file_roots()'))
  const files = fileImage(pyodide.FS, roots)
  const snapshot = pyodide.makeMemorySnapshot()
  await writeAtomically(path.join(outDir, `${kind}.files`), files)
  await writeAtomically(path.join(outDir, `${kind}.bin`), snapshot)
  const mb = (bytes) => (bytes / 2 ** 20).toFixed(1)
  const seconds = ((performance.now() - began) / 1000).toFixed(1)
  console.log(`${kind}: ${mb(snapshot.length)} MB heap, ${mb(files.length)} MB of files, in ${seconds} s`)
}

/**
 * Every file under `roots`, as one buffer: a little-endian uint32 N, N bytes of JSON
 * `[[path, size], ...]`, then the files' bytes in that order (read by web/src/python.js).
 */
function fileImage(FS, roots) {
  const entries = []
  const walk = (folder) => {
    for (const name of FS.readdir(folder)) {
      if (name === '.' || name === '..') continue
      const file = `${folder}/${name}`
      if (FS.isDir(FS.stat(file).mode)) walk(file)
      else entries.push([file, FS.readFile(file)])
    }
  }
  roots.forEach(walk)
  const index = new TextEncoder().encode(JSON.stringify(entries.map(([file, data]) => [file, data.length])))
  const image = new Uint8Array(4 + index.length + entries.reduce((sum, [, data]) => sum + data.length, 0))
  new DataView(image.buffer).setUint32(0, index.length, true)
  image.set(index, 4)
  let offset = 4 + index.length
  for (const [, data] of entries) {
    image.set(data, offset)
    offset += data.length
  }
  return image
}

async function writeAtomically(target, data) {
  await writeFile(`${target}.partial`, data)
  await rename(`${target}.partial`, target)
}

const manifest = JSON.parse(await readFile(path.join(wheelsDir, 'manifest.json'), 'utf8'))
await mkdir(outDir, { recursive: true })
for (const [kind, wheelNames] of Object.entries(manifest)) await makeSnapshot(kind, wheelNames)
