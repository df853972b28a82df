// The kernel: Pyodide in a dedicated worker, holding the notebook's namespace. Runs cells and
// computes Jedi completions (livecomplete._worker). Messages in: {type: 'start', baseUrl,
// optionsJson} once, then {id, type: 'run'|'answer'|'memory', args}. Out: {type: 'status', detail},
// {type: 'ready', info}, {type: 'failed', error}, and {id, ok, result|error, ms} per call
// (`ms`: time spent in the call inside the worker).
import { loadPython, snapshotWanted } from './python.js'

let started
let api
let wasmMemory = null

async function start({ baseUrl, optionsJson }) {
  const status = (detail) => self.postMessage({ type: 'status', detail })
  const fromSnapshot = snapshotWanted(JSON.parse(optionsJson))
  const { pyodide, snapshot } = await loadPython({ baseUrl, wheels: 'kernel', fromSnapshot, onProgress: status })
  if (!snapshot.restored) status('warming up Jedi')
  api = pyodide.pyimport('livecomplete._worker')
  wasmMemory = () => pyodide._module.HEAP8.length
  return { ...JSON.parse(api.start(optionsJson, snapshot.restored)), snapshot }
}

const calls = {
  run: (code) => JSON.parse(api.run(code)),
  answer: (operation, source, cursor, otherCellsJson) => api.answer(operation, source, cursor, otherCellsJson),
  memory: () => ({ wasmBytes: wasmMemory() }),
}

self.onmessage = async ({ data }) => {
  if (data.type === 'start') {
    started = start(data)
    started.then(
      (info) => self.postMessage({ type: 'ready', info }),
      (error) => self.postMessage({ type: 'failed', error: String(error?.message ?? error) }),
    )
    return
  }
  const { id, type, args } = data
  try {
    await started
    const began = performance.now()
    const result = calls[type](...args)
    self.postMessage({ id, ok: true, result, ms: performance.now() - began })
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error?.message ?? error) })
  }
}
