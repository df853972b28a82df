// When the page's kernel worker starts. On a notebook visited before, once the page's own start is
// over and the person is not at work (they have not touched the page, or have since pressed no key
// or pointer for `kernelStartPauseMs`); the kernel also starts as soon as something needs it (see
// kernel.js). On 2 cores its start slows the page's and the keys typed meanwhile, and a revisit's
// first completions are in the store. A new notebook needs the kernel's answers: it starts at once.
import { hasCompletionStore } from './store.js'

// The longest the kernel waits for the page's own start before starting anyway.
const KERNEL_LAUNCH_LATEST_MS = 3000

/**
 * A promise that settles when the kernel may launch, for `KernelWorker({launchAfter})`.
 * `pageStart` settles when the page's own start is over (successful or not).
 */
export function kernelLaunchGate({ notebookId, pageStart, pauseMs }) {
  const pageStartOrHang = Promise.race([pageStart, delay(KERNEL_LAUNCH_LATEST_MS).then(() => 'hung')])
  const input = watchInput()
  return hasCompletionStore(notebookId)
    .then(async (visited) => {
      if (!visited || (await pageStartOrHang) === 'hung') return
      await input.pause(pauseMs)
    })
    .finally(input.stop)
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Whether and when the person last pressed a key or a pointer on the page. `pause(ms)` resolves
 * once they have pressed nothing for `ms` from the call on, or at once when they have not touched
 * the page at all (someone who clicked into a cell is about to type); `stop()` stops watching.
 */
function watchInput() {
  let last = -Infinity
  const pressed = () => {
    last = performance.now()
  }
  document.addEventListener('keydown', pressed, true)
  document.addEventListener('pointerdown', pressed, true)
  return {
    pause: (ms) =>
      new Promise((resolve) => {
        if (last === -Infinity) return resolve()
        const from = performance.now()
        const check = () => {
          const left = Math.max(last, from) + ms - performance.now()
          if (left <= 0) resolve()
          else setTimeout(check, left)
        }
        check()
      }),
    stop: () => {
      document.removeEventListener('keydown', pressed, true)
      document.removeEventListener('pointerdown', pressed, true)
    },
  }
}
