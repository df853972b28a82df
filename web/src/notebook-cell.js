// One code cell of the notebook page: its editor (with completions), prompt, output and tools.
// Typing is saved when it pauses; the store's view replaces the text unless typing is unsaved.
import { python } from '@codemirror/lang-python'
import { Compartment, EditorState, Prec } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import { EditorView, basicSetup } from 'codemirror'
import { el } from './dom.js'

// A cell's source is saved when typing pauses (option sourceSaveMs), and at least this many times
// that while typing goes on, so another tab never lags far behind a long burst.
const SAVE_AT_LEAST_EVERY = 6

export class Cell {
  #unsaved = false
  #saveTimer = null
  #firstUnsavedAt = 0
  #applyingStore = false
  #editable = new Compartment()

  constructor(id, lc, { saveMs, actions }) {
    this.id = id
    this.lc = lc
    this.saveMs = saveMs
    this.actions = actions
    this.prompt = el('div', { className: 'prompt', textContent: '[ ]:' })
    this.output = el('div', { className: 'output' })
    this.clipped = el('p', { className: 'clipped', hidden: true })
    const button = (className, title, text, onClick) => {
      const node = el('button', { className, type: 'button', title, textContent: text })
      node.addEventListener('click', onClick)
      return node
    }
    const editorHost = el('div', { className: 'editor' })
    this.element = el('section', { className: 'cell' }, [
      el('div', { className: 'gutter' }, [
        this.prompt,
        button('run', 'Run (Shift+Enter)', '▶', () => this.run()),
      ]),
      el('div', { className: 'body' }, [editorHost, this.clipped, this.output]),
      el('div', { className: 'cell-tools' }, [
        button('move-up', 'Move up', '↑', () => lc.notebook.moveCell(id, -1)),
        button('move-down', 'Move down', '↓', () => lc.notebook.moveCell(id, 1)),
        button('add-below', 'Add a cell below', '+', () => actions.addAfter(this)),
        button('delete', 'Delete cell', '✕', () => this.delete()),
      ]),
    ])
    this.element.dataset.cellId = id
    this.element.cell = this
    const runKey = { key: 'Shift-Enter', run: () => (actions.runAndAdvance(this), true) }
    this.view = new EditorView({
      parent: editorHost,
      state: EditorState.create({
        doc: '',
        extensions: [
          Prec.highest(keymap.of([runKey])),
          basicSetup,
          python(),
          lc.completion(id),
          this.#editable.of(editability(lc.notebook.readOnly)),
          EditorView.updateListener.of((update) => update.docChanged && !this.#applyingStore && this.#edited()),
          EditorView.domEventHandlers({ blur: () => this.save() }),
        ],
      }),
    })
  }

  /** A read token: the cell can be read and copied, not changed (notebook-handle.js refuses too). */
  setReadOnly(readOnly) {
    this.view.dispatch({ effects: this.#editable.reconfigure(editability(readOnly)) })
  }

  /** Whether the person typed since the cell's source was last saved. */
  get unsaved() {
    return this.#unsaved
  }

  /** Show the cell as the store has it; the person's unsaved typing wins over an older source. */
  update({ source, sourceClipped, executionCount, executionState, outputs }) {
    const current = this.view.state.doc.toString()
    if (!this.#unsaved && source !== current) this.#replaceText(current, source)
    this.clipped.hidden = !sourceClipped
    this.clipped.textContent = sourceClipped ? 'This cell’s source was cut to the size a notebook keeps.' : ''
    const busy = executionState === 'queued' || executionState === 'running'
    const stale = !busy && this.actions.isStale(this.id, executionCount)
    this.element.dataset.executionState = executionState
    this.element.classList.toggle('running', busy)
    this.prompt.textContent = busy ? '[*]:' : executionCount == null || stale ? '[ ]:' : `[${executionCount}]:`
    this.prompt.title = { queued: 'queued', running: 'running' }[executionState] ?? ''
    this.output.classList.toggle('stale', stale)
    // textContent only: output is the user's program talking, never markup.
    const blocks = outputs.map(({ kind, text }) => el('pre', { className: kind, textContent: text }))
    if (!sameBlocks(this.output.children, blocks)) this.output.replaceChildren(...blocks)
  }

  /** Ask the kernel serving the notebook to run this cell (its text is saved with the request). */
  async run() {
    clearTimeout(this.#saveTimer)
    this.#unsaved = false
    try {
      await this.lc.notebook.run(this.id, this.view.state.doc.toString())
    } catch (error) {
      this.output.replaceChildren(el('pre', { className: 'error', textContent: `Could not ask for a run: ${error.message}` }))
    }
  }

  /** Save the source now, if it changed since the last save. */
  save() {
    clearTimeout(this.#saveTimer)
    if (!this.#unsaved) return
    this.#unsaved = false
    this.lc.notebook.setSource(this.id, this.view.state.doc.toString())
  }

  async delete() {
    clearTimeout(this.#saveTimer)
    this.#unsaved = false
    await this.lc.notebook.deleteCell(this.id)
  }

  destroy() {
    clearTimeout(this.#saveTimer)
    this.view.destroy()
    this.element.remove()
  }

  #edited() {
    const now = performance.now()
    if (!this.#unsaved) this.#firstUnsavedAt = now
    this.#unsaved = true
    clearTimeout(this.#saveTimer)
    const waited = now - this.#firstUnsavedAt
    const wait = Math.min(this.saveMs, Math.max(0, this.saveMs * SAVE_AT_LEAST_EVERY - waited))
    this.#saveTimer = setTimeout(() => this.save(), wait)
  }

  /** Replace the editor's text by `next` as one change of the part that differs, so the
   * person's cursor stays where it was when someone else edits elsewhere in the cell. */
  #replaceText(current, next) {
    let start = 0
    while (start < current.length && start < next.length && current[start] === next[start]) start += 1
    let end = 0
    while (
      end < current.length - start && end < next.length - start &&
      current[current.length - 1 - end] === next[next.length - 1 - end]
    ) end += 1
    this.#applyingStore = true
    try {
      this.view.dispatch({ changes: { from: start, to: current.length - end, insert: next.slice(start, next.length - end) } })
    } finally {
      this.#applyingStore = false
    }
  }
}

function sameBlocks(shown, blocks) {
  return shown.length === blocks.length &&
    blocks.every((b, i) => shown[i].className === b.className && shown[i].textContent === b.textContent)
}

const editability = (readOnly) => [EditorView.editable.of(!readOnly), EditorState.readOnly.of(readOnly)]
