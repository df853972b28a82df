// The completion keys, with Enter that never changes what a person types: Enter accepts the
// highlighted option only when accepting changes the text and the person chose it (picked it with
// the arrow keys, or saw it unchanged for `enterAcceptDelayMs` since their last key). Otherwise
// it is a plain Enter. Tab accepts. Why: docs/typing.md.
import { acceptCompletion, completionKeymap, completionStatus, selectedCompletion } from '@codemirror/autocomplete'
import { Prec } from '@codemirror/state'
import { keymap, ViewPlugin } from '@codemirror/view'

// CodeMirror's keys that move the highlight: a person who used them picked the option.
const MOVES = new Set(['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp'])

/**
 * CodeMirror's completion keymap with our Enter, arrow keys that note the pick, and Tab
 * (use with autocompletion's `defaultKeymap: false`).
 * `replaced(completion, state)` is the text accepting `completion` would replace, or null when
 * unknown; `delayMs()` the current `enterAcceptDelayMs`.
 */
export function completionKeys({ replaced, delayMs }) {
  const watch = ViewPlugin.fromClass(ChoiceWatch)
  const choice = (view) => view.plugin(watch)
  const picking = (move) => (view) => {
    if (!move(view)) return false
    choice(view)?.picked()
    return true
  }
  const enter = (view) => {
    const completion = selectedCompletion(view.state)
    if (!completion || completionStatus(view.state) !== 'active') return false
    const apply = typeof completion.apply === 'string' ? completion.apply : completion.label
    if (typeof completion.apply !== 'function' && replaced(completion, view.state) === apply) return false
    if (!choice(view)?.chosen(delayMs())) return false
    return acceptCompletion(view)
  }
  return [
    watch,
    Prec.highest(
      keymap.of([
        ...completionKeymap.map((binding) => {
          if (binding.key === 'Enter') return { ...binding, run: enter }
          return MOVES.has(binding.key) ? { ...binding, run: picking(binding.run) } : binding
        }),
        { key: 'Tab', run: acceptCompletion },
      ]),
    ),
  ]
}

/**
 * When the highlighted option last changed, when the person last pressed a key before the one
 * being handled (event times: the page being busy does not stretch them), and whether they
 * picked the option with the arrow keys since.
 */
class ChoiceWatch {
  #selected = null
  #shownAt = -Infinity
  #previousKeyAt = -Infinity
  #keyAt = -Infinity
  #picked = false

  constructor(view) {
    this.view = view
    this.onKey = (event) => {
      this.#previousKeyAt = this.#keyAt
      this.#keyAt = event.timeStamp
    }
    // Capture: seen before CodeMirror's own handler runs the keymap for the same key.
    view.contentDOM.addEventListener('keydown', this.onKey, true)
  }

  update(update) {
    const option = selectedCompletion(update.state)
    const key = option ? `${option.label}\u0000${typeof option.apply === 'string' ? option.apply : ''}` : null
    if (update.docChanged || key !== this.#selected) {
      this.#selected = key
      this.#shownAt = performance.now()
      this.#picked = false
    }
  }

  picked() {
    this.#picked = true
  }

  /** Whether the key being handled comes after the person had `delayMs` to see the option. */
  chosen(delayMs) {
    return this.#picked || this.#keyAt - Math.max(this.#previousKeyAt, this.#shownAt) >= delayMs
  }

  destroy() {
    this.view.contentDOM.removeEventListener('keydown', this.onKey, true)
  }
}
