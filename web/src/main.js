// The notebook page's entry: pick the notebook id from the URL, start livecomplete, mount the UI.
import { COMPLETIONS_SUFFIX, NOTEBOOK_ID } from './facts.js'
import { createLivecomplete } from './livecomplete.js'
import { mountNotebook, WELCOME } from './notebook.js'
import './style.css'


function notebookIdFromUrl() {
  const url = new URL(window.location.href)
  const asked = url.searchParams.get('notebook')
  if (asked && NOTEBOOK_ID.test(asked)) return { notebookId: asked }
  const notebookId = `notebook-${Date.now()}-${Math.random().toString(36).slice(2, 13)}`
  url.searchParams.set('notebook', notebookId)
  window.history.replaceState(null, '', url)
  const problem = asked
    ? `"${asked}" is not a notebook id (letters, digits, ".", "_", "-"; at most 100; not ending in ` +
      `"${COMPLETIONS_SUFFIX}"): opened a new notebook.`
    : null
  return { notebookId, problem }
}

// `?options={"debounceMs":80}` overrides livecomplete options for this page (README: Options).
function optionsFromUrl() {
  const raw = new URL(window.location.href).searchParams.get('options')
  if (!raw) return { options: {} }
  try {
    const options = JSON.parse(raw)
    if (options && typeof options === 'object' && !Array.isArray(options)) return { options }
  } catch {
    // reported below
  }
  return { options: {}, problem: `?options must be a JSON object such as {"debounceMs": 80}; ignored "${raw}".` }
}

// `?sync=ws://127.0.0.1:8787` syncs the notebook and its completions through that backend (README: Sync).
function syncUrlFromUrl() {
  const raw = new URL(window.location.href).searchParams.get('sync')
  if (!raw) return { syncUrl: null }
  if (/^wss?:\/\/[^\s/]+/.test(raw)) return { syncUrl: raw }
  return { syncUrl: null, problem: `?sync must be a ws:// or wss:// URL; ignored "${raw}": the notebook stays local.` }
}

// `#token=…` is the token the backend grants this notebook with (`build.py sync` prints such
// URLs). In the fragment, the browser sends it to no server, not even this page's.
function syncTokenFromUrl() {
  return new URLSearchParams(window.location.hash.slice(1)).get('token')
}

const { notebookId, problem } = notebookIdFromUrl()
const { options, problem: optionsProblem } = optionsFromUrl()
const { syncUrl, problem: syncProblem } = syncUrlFromUrl()
// A new notebook starts with the welcome cell and two empty ones.
const syncToken = syncTokenFromUrl()
const lc = createLivecomplete({ notebookId, options, syncUrl, syncToken, notebook: { cells: [WELCOME, '', ''] } })
// A handle for the console and the browser tests.
window.livecomplete = lc
mountNotebook(document.querySelector('#app'), lc)
for (const text of [problem, optionsProblem, syncProblem].filter(Boolean)) {
  const banner = Object.assign(document.createElement('p'), { className: 'banner', textContent: text })
  document.querySelector('#app').prepend(banner)
}
