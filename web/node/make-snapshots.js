// Makes the Pyodide memory snapshots the page and the kernel worker start from (see
// web/src/python.js and py/livecomplete/_snapshot.py): for each wheel set of the manifest, a
// fresh Pyodide with those wheels unpacked and `_snapshot.prepare(<set>)` run, its heap saved as
// `<out>/<set>.bin`. Run by build.py:
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
  const snapshot = pyodide.makeMemorySnapshot()
  const target = path.join(outDir, `${kind}.bin`)
  await writeFile(`${target}.partial`, snapshot)
  await rename(`${target}.partial`, target)
  const mb = (snapshot.length / 2 ** 20).toFixed(1)
  console.log(`${kind}: ${mb} MB in ${((performance.now() - began) / 1000).toFixed(1)} s`)
}

const manifest = JSON.parse(await readFile(path.join(wheelsDir, 'manifest.json'), 'utf8'))
await mkdir(outDir, { recursive: true })
for (const [kind, wheelNames] of Object.entries(manifest)) await makeSnapshot(kind, wheelNames)
