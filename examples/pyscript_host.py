"""A PyScript host of livecomplete: the page's own Python (PyScript's Pyodide, served from
dist/lib/pyodide/) makes the editor and runs livecomplete's page side; Jedi runs in
livecomplete's kernel worker. Only the public API, from dist/lib/ (README: Embedding)."""

import js
import pyodide_js
from pyodide.ffi import create_proxy, to_js
from pyscript import document
from pyscript.js_modules import codemirror, lang_python, livecomplete


def js_object(**fields):
    """A plain JS object: what JS APIs take, where a dict would arrive as a Map."""
    return to_js(fields, dict_converter=js.Object.fromEntries)


status = document.querySelector("#status")


def show_state(event):
    state, detail = event.detail.state, event.detail.detail
    status.dataset.state = state
    status.textContent = "Completions on" if state == "ready" else f"Completions {state}: {detail}"


lc = livecomplete.createLivecomplete(js_object(
    notebookId="pyscript-example",
    # The folder with livecomplete.js also holds pyodide/, wheels/ and snapshots/.
    baseUrl=js.URL.new("../lib/", document.baseURI).href,
    # livecomplete's page side runs in this page's Python rather than in a second Pyodide.
    pyodide=pyodide_js,
))
# Kept for the page's life: the listener must outlive this script.
lc.addEventListener("state", create_proxy(show_state))
codemirror.EditorView.new(js_object(
    parent=document.querySelector("#editor"),
    doc="import os\n",
    extensions=[codemirror.basicSetup, lang_python.python(), lc.completion("editor-1")],
))
