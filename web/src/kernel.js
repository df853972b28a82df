// Page-side handle of the kernel worker: starts it, reports its state, turns calls into promises,
// and restarts it. States: 'starting', 'ready', 'busy' (running a cell), 'error' (failed to
// start, or reported not responding by the kernel agent: a restart brings it back).
//
// Events: 'state'; 'restart'; 'namespace-changed' (a cell ran or the kernel restarted: answers
// computed before may be wrong now).
//
// The worker starts when `launchAfter` settles (on a revisit, the page's own start and a pause in
// typing: see kernel-launch.js), at the first call, or when `launch()` is called (the page's kernel
// agent does, for a completion the store cannot answer), whichever comes first; without
// `launchAfter`, at once.
import KernelWorkerScript from './kernel.worker.js?worker'

export class KernelWorker extends EventTarget {
  state = 'starting'
  detail = 'starting'
  info = null
  /** ms the last call spent inside the worker (Jedi's own time, for a completion). */
  lastCallMs = null
  #worker
  #nextId = 0
  #pending = new Map()
  #runs = 0
  /** This launch of the worker, and how many cells it has run (completions name their kernel
   * namespace from these: see kernel_namespace in py/livecomplete/agent.py). */
  launchId = crypto.randomUUID()
  cellsRun = 0

  #start

  constructor({ baseUrl, options = {}, launchAfter = null }) {
    super()
    this.#start = { type: 'start', baseUrl, optionsJson: JSON.stringify(options) }
    if (launchAfter) {
      this.detail = 'queued until the page has started and typing pauses'
      launchAfter.finally(() => this.launch())
    } else {
      this.launch()
    }
  }

  /** Start the worker, unless it has been started (or stopped) already. */
  launch() {
    if (!this.#worker && this.state === 'starting') this.#launch()
  }

  #launch() {
    performance.mark('livecomplete:kernel-launched')
    this.launchId = crypto.randomUUID()
    this.cellsRun = 0
    const worker = new KernelWorkerScript({ name: 'livecomplete-kernel' })
    worker.onmessage = ({ data }) => worker === this.#worker && this.#receive(data)
    worker.onerror = (event) => worker === this.#worker && this.#setState('error', event.message || 'the kernel worker crashed')
    worker.postMessage(this.#start)
    this.#worker = worker
  }

  /**
   * Stop the kernel (even one stuck in a call) and start a fresh one. Its namespace is gone:
   * cells must run again. Calls still waiting are rejected.
   */
  restart() {
    this.#worker?.terminate()
    this.#rejectPending('the kernel was restarted')
    this.#runs = 0
    this.info = null
    this.#setState('starting', 'restarting')
    this.#launch()
    this.dispatchEvent(new CustomEvent('restart'))
    this.dispatchEvent(new CustomEvent('namespace-changed'))
  }

  /** Resolves once the kernel is no longer starting (ready, busy, or failed to start). */
  started() {
    if (this.state !== 'starting') return Promise.resolve()
    return new Promise((resolve) => {
      const onState = () => {
        if (this.state === 'starting') return
        this.removeEventListener('state', onState)
        resolve()
      }
      this.addEventListener('state', onState)
    })
  }

  /** A call did not return in time (a hung completion): report it so the page offers a restart. */
  markUnresponsive(reason) {
    if (this.state === 'error') return
    this.#setState('error', `not responding: ${reason}`)
  }

  /** Run a cell: resolves to {executionCount, stdout, stderr, value, error}. */
  async run(code) {
    this.#runs += 1
    this.cellsRun += 1 // from now on: completions posted after the cell see what it defines
    if (this.state === 'ready') this.#setState('busy', 'running a cell')
    try {
      const result = await this.#call('run', [code])
      return {
        executionCount: result.execution_count,
        stdout: result.stdout,
        stderr: result.stderr,
        value: result.value,
        error: result.error,
      }
    } finally {
      this.#runs -= 1
      if (this.#runs === 0 && this.state === 'busy') this.#setState('ready', 'ready')
      this.dispatchEvent(new CustomEvent('namespace-changed')) // answers computed before may be wrong
    }
  }

  /** {wasmBytes}: the kernel's WebAssembly memory (for benchmarks). */
  memory() {
    return this.#call('memory', [])
  }

  /** What `operation` (complete, describe, signature) computes at `cursor`, knowing the cells
   * above (`otherCellsJson`: [[label, source], ...]), as JSON (a list of suggestion events);
   * used by the kernel agent. */
  answer(operation, source, cursor, otherCellsJson = '[]') {
    return this.#call('answer', [operation, source, cursor, otherCellsJson])
  }

  terminate() {
    this.#worker?.terminate()
    this.#rejectPending('the kernel was stopped')
    this.#setState('error', 'stopped')
  }

  #rejectPending(reason) {
    for (const { reject } of this.#pending.values()) reject(new Error(reason))
    this.#pending.clear()
  }

  #call(type, args) {
    // Stopped, or stuck in a call: anything sent now would queue behind it forever.
    if (this.state === 'error') return Promise.reject(new Error(`the kernel is not running (${this.detail})`))
    this.launch() // a cell run before the page started: the person needs the kernel now
    const id = ++this.#nextId
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ id, type, args })
    })
  }

  #receive(message) {
    if (message.type === 'status') return this.#setState('starting', message.detail)
    if (message.type === 'ready') {
      performance.mark('livecomplete:kernel-ready')
      this.info = message.info
      return this.#setState(this.#runs ? 'busy' : 'ready', 'ready')
    }
    if (message.type === 'failed') {
      this.#rejectPending(message.error)
      return this.#setState('error', message.error)
    }
    const call = this.#pending.get(message.id)
    if (!call) return // answered after its caller stopped waiting
    this.#pending.delete(message.id)
    this.lastCallMs = message.ms ?? null
    if (message.ok) call.resolve(message.result)
    else call.reject(new Error(message.error))
  }

  #setState(state, detail) {
    this.state = state
    this.detail = detail
    this.dispatchEvent(new CustomEvent('state', { detail: { state, detail } }))
  }
}
