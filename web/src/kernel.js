// Page-side handle of the kernel worker: starts it, reports its state, and turns calls into
// promises. States: 'starting', 'ready', 'busy' (running a cell), 'error' (failed to start).
import KernelWorkerScript from './kernel.worker.js?worker'

export class KernelWorker extends EventTarget {
  state = 'starting'
  detail = 'starting'
  info = null
  #worker
  #nextId = 0
  #pending = new Map()
  #runs = 0

  constructor({ baseUrl, options = {} }) {
    super()
    this.#worker = new KernelWorkerScript({ name: 'livecomplete-kernel' })
    this.#worker.onmessage = ({ data }) => this.#receive(data)
    this.#worker.onerror = (event) => this.#setState('error', event.message || 'the kernel worker crashed')
    this.#worker.postMessage({ type: 'start', baseUrl, optionsJson: JSON.stringify(options) })
  }

  /** Run a cell: resolves to {executionCount, stdout, stderr, value, error}. */
  async run(code) {
    this.#runs += 1
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
    }
  }

  /** Jedi completions as a JSON string (a list of suggestion events); used by the kernel agent. */
  complete(source, cursor) {
    return this.#call('complete', [source, cursor])
  }

  terminate() {
    this.#worker.terminate()
    for (const { reject } of this.#pending.values()) reject(new Error('the kernel was stopped'))
    this.#pending.clear()
    this.#setState('error', 'stopped')
  }

  #call(type, args) {
    if (this.state === 'error') return Promise.reject(new Error(`the kernel is not running (${this.detail})`))
    const id = ++this.#nextId
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ id, type, args })
    })
  }

  #receive(message) {
    if (message.type === 'status') return this.#setState('starting', message.detail)
    if (message.type === 'ready') {
      this.info = message.info
      return this.#setState(this.#runs ? 'busy' : 'ready', 'ready')
    }
    if (message.type === 'failed') {
      for (const { reject } of this.#pending.values()) reject(new Error(message.error))
      this.#pending.clear()
      return this.#setState('error', message.error)
    }
    const call = this.#pending.get(message.id)
    if (!call) return // answered after its caller stopped waiting
    this.#pending.delete(message.id)
    if (message.ok) call.resolve(message.result)
    else call.reject(new Error(message.error))
  }

  #setState(state, detail) {
    this.state = state
    this.detail = detail
    this.dispatchEvent(new CustomEvent('state', { detail: { state, detail } }))
  }
}
