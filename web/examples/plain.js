// An app with its own editor and no notebook: the smallest host of livecomplete's public API.
// The page's files (pyodide/, wheels/, snapshots/) are served one folder up, hence `baseUrl`.
import { python } from '@codemirror/lang-python'
import { EditorView, basicSetup } from 'codemirror'
import { createLivecomplete } from '../src/livecomplete.js'

const lc = createLivecomplete({ notebookId: 'plain-example', baseUrl: new URL('..', document.baseURI).href })
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
