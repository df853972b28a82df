"""The notebook page itself: notebook ids, running cells, the kernel status."""

import re

from playwright.sync_api import expect


def test_without_an_id_the_page_makes_one_and_puts_it_in_the_url(open_notebook):
    notebook = open_notebook(None)
    assert re.search(r"[?&]notebook=notebook-\d{13}-[a-z0-9]+$", notebook.page.url)
    notebook_id = notebook.page.url.split("notebook=")[1]
    expect(notebook.page.locator(".notebook-id")).to_have_text(notebook_id)


def test_an_invalid_id_is_replaced_and_explained(context, base_url):
    from notebook_page import NotebookPage

    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open("../evil")
    expect(notebook.page.locator(".banner")).to_contain_text('"../evil" is not a notebook id')
    assert "notebook=notebook-" in notebook.page.url


def test_an_id_ending_in_completions_is_refused(context, base_url):
    """Its main store would be named like another notebook's completion store, which cleanup removes."""
    from notebook_page import NotebookPage

    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open("work-completions")
    expect(notebook.page.locator(".banner")).to_contain_text('not ending in "-completions"')
    assert "notebook=work-completions" not in notebook.page.url


def test_bad_options_in_the_url_are_explained(open_notebook):
    notebook = open_notebook()
    notebook.page.goto(notebook.page.url + "&options=not-json")
    expect(notebook.page.locator(".banner")).to_contain_text("?options must be a JSON object")


def test_a_bad_sync_url_is_explained_and_the_notebook_stays_local(open_notebook):
    notebook = open_notebook()
    notebook.page.goto(notebook.page.url + "&sync=http://example.com")
    notebook.wait_ready()
    expect(notebook.page.locator(".banner")).to_contain_text(
        '?sync must be a ws:// or wss:// URL; ignored "http://example.com": the notebook stays local.')
    assert notebook.page.locator("#sync-url").count() == 0
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")


def test_shift_enter_runs_a_cell_and_shows_output_and_value(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, "print('hello')\n6 * 7")
    notebook.run_cell(0)
    expect(notebook.cell(0).locator(".output .stdout")).to_have_text("hello\n")
    expect(notebook.cell(0).locator(".output .value")).to_have_text("42")
    expect(notebook.cell(0).locator(".prompt")).to_have_text("[1]:")


def test_a_failing_cell_shows_its_traceback(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, "1 / 0")
    notebook.run_cell(0)
    error = notebook.cell(0).locator(".output .error")
    expect(error).to_contain_text("ZeroDivisionError: division by zero")
    expect(error).to_contain_text("<cell 1>")


def test_kernel_status_shows_busy_while_a_cell_runs(open_notebook):
    notebook = open_notebook()
    status = notebook.page.locator("#kernel-status")
    expect(status).to_have_text("Kernel ready")
    notebook.set_cell(0, "import time\ntime.sleep(1.5)")
    notebook.editor(0).click()
    notebook.page.keyboard.press("Shift+Enter")
    expect(status).to_have_attribute("data-state", "busy")
    expect(status).to_have_text("Kernel busy")
    expect(status).to_have_attribute("data-state", "ready", timeout=10_000)


def test_add_cell_button_adds_an_editor_with_completions(open_notebook):
    notebook = open_notebook()
    count = notebook.page.locator(".cell").count()
    notebook.page.get_by_role("button", name="+ Code cell").click()
    expect(notebook.page.locator(".cell")).to_have_count(count + 1)
    notebook.page.keyboard.type("import os\n", delay=20)
    notebook.page.keyboard.press("Escape")
    notebook.page.keyboard.type("os.pa", delay=100)
    notebook.wait_for_option("path")


# The public JS surface of a Livecomplete: changing it is a deliberate act (README: Embedding).
PUBLIC_FIELDS = [
    "clientId", "debug", "detail", "kernel", "notebook", "notebookId", "options", "persisted", "pythonStart", "ready",
    "remoteKernel", "schema", "state", "storageProblem", "store", "syncConnected", "syncRefused", "syncRole", "syncUrl",
]
PUBLIC_METHODS = ["cleanupNow", "completion", "completionSource", "storageReport"]
NOTEBOOK_FIELDS = ["persisted", "readOnly", "ready", "storageProblem", "view"]
NOTEBOOK_METHODS = ["addCell", "attach", "deleteCell", "moveCell", "reportProblem", "run", "setSource", "showView"]
DEBUG_PROBES = ["memoryReport", "notebookStore", "queriesStarted", "storedEvents", "timings"]


def test_the_public_js_surface_is_exactly_the_listed_one(open_notebook):
    notebook = open_notebook()
    surface = notebook.page.evaluate("""() => {
      const lc = window.livecomplete
      const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(lc)).filter((n) => n !== 'constructor')
      return { fields: Object.keys(lc).sort(), methods: methods.sort(), debug: Object.keys(lc.debug).sort() }
    }""")
    assert surface == {"fields": PUBLIC_FIELDS, "methods": PUBLIC_METHODS, "debug": DEBUG_PROBES}
    notebook_surface = notebook.page.evaluate("""() => {
      const handle = window.livecomplete.notebook
      const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(handle)).filter((n) => n !== 'constructor')
      return { fields: Object.keys(handle).sort(), methods: methods.sort() }
    }""")
    assert notebook_surface == {"fields": NOTEBOOK_FIELDS, "methods": NOTEBOOK_METHODS}
