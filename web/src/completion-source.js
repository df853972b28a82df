// The CodeMirror side of a completion: a source per cell that asks the page's Python session and
// maps its plain-data answer to a CompletionResult, and the extension (source + keys) an editor
// uses. No completion logic: the session decides what to ask and what to show.
import { autocompletion, selectedCompletion } from '@codemirror/autocomplete'
import { completionKeys } from './enter-key.js'

/**
 * The autocompletion extension for one cell: `source`, the completion keys (Enter accepts only
 * an option the person chose: see enter-key.js; `enterAcceptDelayMs()` reads the option), and
 * the cell's `signatures` help (signature-help.js).
 */
export function completionExtension(source, enterAcceptDelayMs, signatures) {
  return [
    signatures,
    // Python debounces typing itself and every keystroke aborts the previous query, so
    // CodeMirror asks at once instead of adding its own typing delay.
    autocompletion({ override: [source], activateOnTypingDelay: 0, defaultKeymap: false }),
    completionKeys({ replaced: replacedText, delayMs: enterAcceptDelayMs }),
  ]
}

/**
 * A CodeMirror completion source for one cell. Never throws; resolves to null when unsure.
 * `sessions` is what the page holds: `current()` (the Python session, or null), `starting()`,
 * `ready` (a promise), `recovering()` (the store's replacement under way, or null), `nextQueryId()`.
 * An option without documentation is described once it stayed highlighted `describeDelayMs`.
 */
export function completionSource(cellId, sessions, { describeDelayMs = 0 } = {}) {
  const ask = async (session, context) => {
    const queryId = sessions.nextQueryId()
    // Any edit makes this query's document old: cancel it; CodeMirror asks again. Cancelling
    // goes through the session by id: Pyodide destroys an awaited task's proxy when it settles.
    const cancel = () => sessions.current() === session && session.cancel(queryId)
    context.addEventListener('abort', cancel, { onDocChange: true })
    try {
      const source = context.state.doc.toString()
      const answer = await session.complete(queryId, cellId, source, context.pos, context.explicit)
      if (!answer) return null
      // CodeMirror asks an option's info again on every key that refilters the list: one
      // description per option of this answer, asked once it stayed highlighted.
      const described = new Map()
      const describe = async (option) => {
        await new Promise((resolve) => setTimeout(resolve, describeDelayMs))
        // Typed on, or moved to another option, meanwhile: nobody reads this description.
        if (!context.view || selectedCompletion(context.view.state) !== option) return null
        if (!described.has(option.label)) {
          described.set(option.label, describeOption(sessions, session, cellId, source, context.pos, option.label))
        }
        return described.get(option.label)
      }
      return toCompletionResult(JSON.parse(answer), describe)
    } catch (error) {
      if (!context.aborted && sessions.current() === session) console.warn('[livecomplete] completion failed', error)
      return null
    }
  }
  return async (context) => {
    let session = sessions.current()
    if (!session && sessions.starting()) {
      // Typed before completions were ready: answer as soon as they are, unless the person
      // types on (CodeMirror then aborts this query and asks again).
      const typedOn = new Promise((resolve) => context.addEventListener('abort', resolve, { onDocChange: true }))
      await Promise.race([sessions.ready, typedOn])
      if (context.aborted) return null
      session = sessions.current()
    }
    if (!session) return null
    const result = await ask(session, context)
    // The store failed and was replaced while this query waited: ask once more, on the new one.
    if (result === null && !context.aborted) {
      await sessions.recovering()
      const now = sessions.current()
      if (now && now !== session && !context.aborted) return ask(now, context)
    }
    return result
  }
}

/** {detail, documentation} of an option the answer did not document, or null; never throws. */
async function describeOption(sessions, session, cellId, source, pos, label) {
  if (sessions.current() !== session) return null
  try {
    const described = await session.describe(sessions.nextQueryId(), cellId, source, pos, label)
    return described ? JSON.parse(described) : null
  } catch (error) {
    // A session closed meanwhile (its store was replaced) cancels what it was asked: no failure.
    if (sessions.current() === session) console.warn('[livecomplete] describing an option failed', error)
    return null
  }
}

// Where each option of our answers starts replacing text (the answer's `from`).
const replacedFrom = new WeakMap()

/** The text that accepting `completion` would replace now, or null for another source's option. */
function replacedText(completion, state) {
  const from = replacedFrom.get(completion)
  return from == null ? null : state.sliceDoc(from, state.selection.main.head)
}

function toCompletionResult({ validFor, options, ...result }, describe) {
  // An option without documentation asks for it when highlighted (see CompletionClient.describe);
  // one whose `info` is empty has nothing to describe.
  const shown = options.map((option) => {
    if (option.info !== undefined) return option
    const asking = { ...option, info: () => describedInfo(describe, asking) } // the object CodeMirror selects
    return asking
  })
  for (const option of shown) replacedFrom.set(option, result.from)
  return { ...result, options: shown, validFor: new RegExp(validFor.source, validFor.flags) }
}

/** The highlighted option's signature and documentation, as a text node (never markup). */
async function describedInfo(describe, option) {
  const described = await describe(option)
  if (!described) return null
  const signature = described.detail && described.detail !== option.detail ? described.detail : null
  const text = [signature, described.documentation].filter(Boolean).join('\n\n')
  return text ? document.createTextNode(text) : null
}
