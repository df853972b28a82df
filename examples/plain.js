// An app with its own editor and no notebook: the smallest host of livecomplete's public API,
// using only the installable pieces in dist/lib/ (README: Embedding), no bundler. CodeMirror comes
// from dist/lib/codemirror/ through the page's import map; livecomplete.js imports the same copy.
import { python } from '@codemirror/lang-python'
import { EditorView, basicSetup } from 'codemirror'
import { createLivecomplete } from '../lib/livecomplete.js'

// The folder with livecomplete.js also holds pyodide/, wheels/ and snapshots/.
const baseUrl = new URL('../lib/', import.meta.url).href
const lc = createLivecomplete({ notebookId: 'plain-example', baseUrl })
const status = document.querySelector('#status')
lc.addEventListener('state', ({ detail: { state, detail } }) => {
  status.dataset.state = state
  status.textContent = state === 'ready' ? 'Completions on' : `Completions ${state}: ${detail}`
})

new EditorView({
  parent: document.querySelector('#editor'),
  doc: 'import os\n',
  extensions: [basicSetup, python(), lc.completion('editor-1')],
})
