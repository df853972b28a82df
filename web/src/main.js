// The notebook page's entry: pick the notebook id from the URL, start livecomplete, mount the UI.
import { createLivecomplete } from './livecomplete.js'
import { mountNotebook } from './notebook.js'
import './style.css'

// Ids become OPFS directory names and store ids: keep them to a safe alphabet.
const NOTEBOOK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

function notebookIdFromUrl() {
  const url = new URL(window.location.href)
  const asked = url.searchParams.get('notebook')
  if (asked && NOTEBOOK_ID.test(asked)) return { notebookId: asked }
  const notebookId = `notebook-${Date.now()}-${Math.random().toString(36).slice(2, 13)}`
  url.searchParams.set('notebook', notebookId)
  window.history.replaceState(null, '', url)
  const problem = asked
    ? `"${asked}" is not a notebook id (letters, digits, ".", "_", "-"; at most 100): opened a new notebook.`
    : null
  return { notebookId, problem }
}

const { notebookId, problem } = notebookIdFromUrl()
const lc = createLivecomplete({ notebookId })
// A handle for the console and the browser tests.
window.livecomplete = lc
mountNotebook(document.querySelector('#app'), lc)
if (problem) {
  const banner = Object.assign(document.createElement('p'), { className: 'banner', textContent: problem })
  document.querySelector('#app').prepend(banner)
}
