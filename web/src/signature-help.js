// Signature help while typing a call: after `(` the page's Python asks the kernel (through the
// store, like completions) for the call's signature, and a tooltip shows it with the active
// parameter marked and the first lines of its documentation, as plain text. After each `,` and
// `=` the page marks the parameter the arguments now stand at, from that same answer (no request).
// It follows the cursor through the arguments and closes after `)`, on Escape, or when the cursor
// leaves the call.
import { StateEffect, StateField } from '@codemirror/state'
import { EditorView, keymap, showTooltip, ViewPlugin } from '@codemirror/view'

const shown = StateEffect.define() // {from, help}: the call's start and the answer to show
const closed = StateEffect.define()

const signatureField = StateField.define({
  create: () => null,
  update(value, tr) {
    for (const effect of tr.effects) {
      if (effect.is(shown)) value = effect.value
      if (effect.is(closed)) value = null
    }
    if (!value || !(tr.docChanged || tr.selection)) return value
    // Still in the same call's arguments (not past its `)`, not before its `(`)?
    const from = tr.changes.mapPos(value.from)
    return callStart(tr.state, tr.state.selection.main.head) === from ? { ...value, from } : null
  },
  provide: (field) =>
    showTooltip.from(field, (value) =>
      value ? { pos: value.from, above: true, strictSide: false, create: () => ({ dom: render(value.help) }) } : null,
    ),
})

/**
 * The extension for one cell. `sessions` is what the page holds (see completion-source.js):
 * `current()` (the Python session, or null) and `nextQueryId()`.
 */
export function signatureHelp(cellId, sessions) {
  const asker = ViewPlugin.fromClass(
    class {
      #asked = 0 // the newest request: an older answer is never shown over a newer state

      update(update) {
        if (!update.docChanged || !update.transactions.some((tr) => tr.isUserEvent('input'))) return
        const head = update.state.selection.main.head
        const typed = update.state.sliceDoc(head - 1, head)
        if (typed === '(' || typed === ',' || typed === '=') this.#ask(update.view, head)
      }

      async #ask(view, pos) {
        const session = sessions.current()
        if (!session) return
        const asked = ++this.#asked
        const source = view.state.doc.toString()
        let help = null
        try {
          const call = callStart(view.state, pos)
          if (call < 0) return
          const answer = await session.signature(sessions.nextQueryId(), cellId, source, pos, call)
          help = answer ? JSON.parse(answer) : null
        } catch (error) {
          // A session closed meanwhile (its store was replaced) cancels what it was asked.
          if (sessions.current() === session) console.warn('[livecomplete] signature help failed', error)
        }
        // Shown only if the cursor is still in the call it was asked about.
        const from = callStart(view.state, view.state.selection.main.head)
        if (asked !== this.#asked || from !== callStart(view.state, pos) || from < 0) return
        view.dispatch({ effects: help ? shown.of({ from, help }) : closed.of(null) })
      }
    },
  )
  const escape = (view) => {
    if (!view.state.field(signatureField)) return false
    view.dispatch({ effects: closed.of(null) })
    return true
  }
  return [signatureField, asker, keymap.of([{ key: 'Escape', run: escape }]), theme]
}

// How far back a call's `(` is looked for: arguments longer than this show no tooltip.
const CALL_SCAN_CHARS = 2000

/** Where the innermost bracket still open before `pos` is, if it is a call's `(`; else -1. The
 * tooltip stands there. (Brackets inside strings are counted too: rare in a call's arguments.) */
function callStart(state, pos) {
  const start = Math.max(0, pos - CALL_SCAN_CHARS)
  const text = state.sliceDoc(start, pos)
  let depth = 0
  for (let i = text.length - 1; i >= 0; i -= 1) {
    const c = text[i]
    if (c === ')' || c === ']' || c === '}') depth += 1
    else if (c === '(' || c === '[' || c === '{') {
      if (depth > 0) depth -= 1
      else return c === '(' ? start + i : -1
    }
  }
  return -1
}

/** The tooltip: each signature with its active parameter marked, and its documentation; text only. */
function render({ signatures }) {
  const dom = document.createElement('div')
  dom.className = 'lc-signature-help'
  for (const { label, activeFrom, activeTo, documentation } of signatures) {
    const line = document.createElement('div')
    line.className = 'lc-signature'
    if (activeFrom >= 0) {
      const active = document.createElement('strong')
      active.className = 'lc-active-parameter'
      active.textContent = label.slice(activeFrom, activeTo)
      line.append(label.slice(0, activeFrom), active, label.slice(activeTo))
    } else {
      line.textContent = label
    }
    dom.append(line)
    if (documentation) {
      const doc = document.createElement('div')
      doc.className = 'lc-signature-doc'
      doc.textContent = documentation
      dom.append(doc)
    }
  }
  return dom
}

const theme = EditorView.baseTheme({
  '.lc-signature-help': { padding: '4px 8px', maxWidth: '640px', fontFamily: 'monospace', fontSize: '90%' },
  '.lc-active-parameter': { textDecoration: 'underline' },
  '.lc-signature-doc': { whiteSpace: 'pre-wrap', opacity: '0.8', marginTop: '4px', fontFamily: 'sans-serif' },
})
