"""How the page's Python and the kernel start: from the memory snapshots build.py makes, or
plainly when a snapshot is missing, damaged or turned off."""

import uuid

from notebook_page import NotebookPage, wait_until_held
from playwright.sync_api import expect


def complete_os_path(notebook: NotebookPage) -> None:
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")


def test_page_and_kernel_start_from_snapshots_and_complete(open_notebook):
    notebook = open_notebook()
    starts = notebook.starts()
    assert starts["page"]["restored"] and starts["kernel"]["restored"], starts
    assert starts["page"]["problem"] is None and starts["kernel"]["problem"] is None
    complete_os_path(notebook)
    # The restored kernel runs cells and completes the names they made.
    notebook.set_cell(0, "inventory = {'apples': 3}")
    notebook.run_cell(0)
    notebook.type(2, "inventory.ke")
    notebook.wait_for_option("keys")


def test_typing_before_the_page_is_ready_gets_the_kernels_answer_once_it_is(context, base_url, notebook_id):
    """Completions are not ready when the person stops typing (their store is still opening):
    the popup comes when they and the kernel are, with Jedi's options (not the cell's own names,
    as while a cell runs)."""
    held = []  # the completion store's leader worker, held back until the person has typed
    context.route("**/assets/livestore.worker-*", lambda route: held.append(route))
    for visit in ("first", "again"):  # the second visit opens the stored notebook
        notebook = NotebookPage(context.new_page(), base_url)
        notebook.open(notebook_id, wait_ready=False)
        notebook.set_cell(1, "import os\n")
        notebook.type(1, "os.pa")
        assert notebook.page.locator("#completion-status").get_attribute("data-state") == "starting", visit
        wait_until_held(notebook.page, held)
        while held:
            held.pop().continue_()
        notebook.wait_for_option("path")
        assert notebook.cell_text(1) == "import os\nos.pa"
        notebook.assert_no_errors()
        notebook.page.close()


def test_on_a_revisit_the_kernel_starts_after_the_page_unless_a_cell_runs_first(context, base_url, notebook_id):
    """A new notebook's kernel starts at once (its answers are needed); a revisited one's after
    the page (the first completion is in the store); a cell run while the page is still
    starting starts it at once."""
    for visit in ("new", "revisited"):
        notebook = NotebookPage(context.new_page(), base_url)
        notebook.open(notebook_id)
        marks = notebook.start_marks()
        if visit == "new":
            assert marks["kernel-launched"] < marks["store-opened"], marks
        else:
            assert marks["kernel-launched"] >= max(marks["python-started"], marks["store-opened"]), marks
        notebook.page.close()

    held = []  # the completion store's leader worker: the page's start waits for it
    context.route("**/assets/livestore.worker-*", lambda route: held.append(route))
    kernel_files = []
    page = context.new_page()
    page.on("request", lambda request: "/snapshots/kernel" in request.url and kernel_files.append(request.url))
    notebook = NotebookPage(page, base_url)
    notebook.open(notebook_id, wait_ready=False)
    page.wait_for_function("() => document.querySelector('#kernel-status').textContent.includes('queued')")
    wait_until_held(page, held)
    assert held and not kernel_files  # the page is starting, the kernel waits for it
    notebook.set_cell(0, "6 * 7")
    notebook.run_cell(0)
    expect(notebook.cell(0).locator(".output .value")).to_have_text("42")
    assert kernel_files
    assert page.locator("#completion-status").get_attribute("data-state") == "starting"
    while held:
        held.pop().continue_()
    notebook.wait_ready()
    complete_os_path(notebook)
    notebook.assert_no_errors()


def test_on_a_revisit_typing_holds_the_kernel_back_until_a_completion_needs_it(context, base_url, notebook_id):
    """While the person types answers the store has, a revisited notebook's kernel does not start
    (it would slow the page); a word the store has no answer to starts it, and Jedi answers."""
    first = NotebookPage(context.new_page(), base_url)
    first.open(notebook_id)
    complete_os_path(first)  # its answers, the highlighted option's description included, are stored
    first.page.wait_for_function(
        "() => window.livecomplete.debug.storedEvents().requests.some((r) => r.operation === 'describe')")
    first.leave()

    held = []  # the completion store's leader worker: the page's start waits until the person is at work
    context.route("**/assets/livestore.worker-*", lambda route: held.append(route))
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id, {"kernelStartPauseMs": 60_000}, wait_ready=False)  # no pause that long
    notebook.set_cell(1, "import os\n")  # into the cells kept from the last visit
    wait_until_held(notebook.page, held)
    while held:
        held.pop().continue_()
    expect(notebook.page.locator("#completion-status")).to_have_attribute("data-state", "ready", timeout=60_000)
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")  # from the store
    kernel_status = notebook.page.locator("#kernel-status")
    expect(kernel_status).to_contain_text("queued")
    assert "kernel-launched" not in notebook.start_marks()
    notebook.set_cell(2, "import json\n")
    notebook.type(2, "json.du")
    notebook.wait_for_option("dumps")
    assert "kernel-launched" in notebook.start_marks()
    expect(kernel_status).to_have_attribute("data-state", "ready")
    notebook.assert_no_errors()
    context.unroute("**/snapshots/page.files")

    # Opened and left alone: no typing to spare, the kernel starts as soon as the page has.
    idle = NotebookPage(context.new_page(), base_url)
    idle.open(notebook_id, {"kernelStartPauseMs": 60_000})
    marks = idle.start_marks()
    assert marks["kernel-launched"] < marks["store-opened"] + 1000, marks


def test_a_page_start_that_hangs_holds_a_revisited_notebooks_kernel_back_for_seconds_only(
        context, base_url, notebook_id):
    NotebookPage(context.new_page(), base_url).open(notebook_id)  # visited: the store is in OPFS
    held = []  # the page's snapshot files never come: its start hangs
    context.route("**/snapshots/page.files", lambda route: held.append(route))
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id, wait_ready=False)
    expect(notebook.page.locator("#kernel-status")).to_have_attribute("data-state", "ready", timeout=60_000)
    assert held and notebook.page.locator("#completion-status").get_attribute("data-state") == "starting"
    marks = notebook.start_marks()
    assert "python-started" not in marks and marks["kernel-launched"] >= 3000, marks
    while held:
        held.pop().continue_()


def test_kernels_restored_from_one_snapshot_draw_different_random_numbers(open_notebook):
    draws = []
    for _ in range(2):
        notebook = open_notebook(f"test-{uuid.uuid4().hex[:12]}")
        notebook.set_cell(0, "import random\nrandom.random()")
        notebook.run_cell(0)
        draws.append(notebook.output(0))
    assert draws[0] != draws[1], draws


def test_a_damaged_or_missing_snapshot_means_a_plain_start_that_completes(context, base_url, notebook_id):
    page = context.new_page()
    page.route("**/snapshots/kernel.bin", lambda route: route.fulfill(status=200, body=b"\x00" * 4096))
    page.route("**/snapshots/page.bin", lambda route: route.fulfill(status=404, body="gone"))
    notebook = NotebookPage(page, base_url)
    notebook.open(notebook_id)
    starts = notebook.starts()
    assert not starts["page"]["restored"] and "could not load /snapshots/page.bin (HTTP 404" in starts["page"]["problem"]
    assert not starts["kernel"]["restored"] and "magic number" in starts["kernel"]["problem"]
    complete_os_path(notebook)


def test_a_damaged_file_image_means_a_plain_start_that_completes(context, base_url, notebook_id):
    page = context.new_page()
    page.route("**/snapshots/kernel.files", lambda route: route.fulfill(status=200, body=b"\x00" * 64))
    notebook = NotebookPage(page, base_url)
    notebook.open(notebook_id)
    starts = notebook.starts()
    assert starts["page"]["restored"]
    assert not starts["kernel"]["restored"] and "file image is damaged" in starts["kernel"]["problem"]
    complete_os_path(notebook)
    notebook.assert_no_errors()


def test_snapshots_can_be_turned_off(open_notebook):
    notebook = open_notebook(options={"startFromSnapshot": 0})
    starts = notebook.starts()
    assert not starts["page"]["restored"] and not starts["kernel"]["restored"]
    assert "startFromSnapshot: 0" in starts["kernel"]["problem"]
    complete_os_path(notebook)
