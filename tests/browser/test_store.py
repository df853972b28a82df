"""What lands in the completion store, and in OPFS, and what survives a reload."""

import time

from playwright.sync_api import expect

from notebook_page import COUNT_COMMITS, NotebookPage, wait_until_held


def complete_os_path(notebook):
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")


def test_requests_and_responses_are_stored_as_v1_events(open_notebook, notebook_id):
    notebook = open_notebook()
    complete_os_path(notebook)
    stored = notebook.stored_events()
    # One request for the word, sent at the dot; its answer served "p" and "pa".
    request = next(r for r in stored["requests"] if r["source"] == "import os\nos.")
    assert request["cellId"] == notebook.cell(1).get_attribute("data-cell-id")
    assert request["cursorPosition"] == len("import os\nos.")
    assert request["requestedBy"] == notebook.client_id()
    assert request["answered"] is True
    response = next(r for r in stored["responses"] if r["id"] == request["id"])
    assert response["status"] == "success"
    assert response["answers"] == 1
    assert {"text": "path", "kind": "module"}.items() <= next(
        s for s in response["suggestions"] if s["text"] == "path"
    ).items()


def test_store_lives_in_opfs_under_the_notebooks_completion_store_id(open_notebook, notebook_id):
    notebook = open_notebook()
    complete_os_path(notebook)
    assert f"livestore-{notebook_id}-completions@6" in notebook.opfs_root()


def test_events_survive_a_reload(open_notebook):
    notebook = open_notebook()
    complete_os_path(notebook)
    # What LiveStore has saved (it saves after commit() returns) is what a reload must find.
    notebook.wait_until_saved()
    before = notebook.stored_events()
    notebook.reload()
    after = notebook.stored_events()
    assert {r["id"] for r in before["requests"]} <= {r["id"] for r in after["requests"]}
    assert {r["id"] for r in before["responses"]} <= {r["id"] for r in after["responses"]}
    # And completion still works on the reloaded page, as a new client.
    complete_os_path(notebook)
    expect(notebook.popup).to_be_visible()


def test_two_tabs_on_one_notebook_each_get_answers_exactly_once(open_notebook, notebook_id):
    first = open_notebook(notebook_id)
    second = open_notebook(notebook_id)
    assert first.client_id() != second.client_id()
    for tab in (first, second):
        tab.page.evaluate(COUNT_COMMITS)
    # One notebook, two tabs: each person works in a cell of their own.
    first.set_cell(1, "import os\n")
    second.set_cell(2, "import sys\n")
    first.type(1, "os.pa")
    second.type(2, "sys.pa")
    first.wait_for_option("path")
    second.wait_for_option("path")
    first.type(1, "th.jo")
    first.wait_for_option("join")

    # Both tabs see the same store: each other's requests.
    for tab in (first, second):
        tab.page.wait_for_function(
            "ids => ids.every(id => window.livecomplete.debug.storedEvents().requests.some(r => r.requestedBy === id))",
            arg=[first.client_id(), second.client_id()],
        )
    # Every request answered exactly once, by the kernel of the tab that asked: counted where
    # answers are committed (both tabs). Not from the `answered`/`answers` columns: LiveStore
    # 0.4.0 can apply an incoming answer twice to the state of a tab that is committing at that
    # moment (see `answers` in web/src/schema.js).
    def committed_by_tab():
        return {tab.client_id(): tab.page.evaluate("window.answersCommitted") for tab in (first, second)}

    def requests_seen():
        return {r["id"]: r for tab in (first, second) for r in tab.stored_events()["requests"]}

    deadline = time.monotonic() + 30
    while True:
        by_tab, requests = committed_by_tab(), requests_seen()
        if all(any(i in answers for answers in by_tab.values()) for i in requests) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    unanswered = {i: (r["requestedBy"], r["cellId"], r["source"][-12:]) for i, r in requests.items()
                  if not any(i in answers for answers in by_tab.values())}
    assert not unanswered, (unanswered, {tab.client_id(): tab.stored_events() for tab in (first, second)})
    for asker, answers in by_tab.items():
        assert set(answers.values()) == {1}, answers
        assert {i for i, r in requests.items() if r["requestedBy"] == asker} == set(answers)
    assert not set(by_tab[first.client_id()]) & set(by_tab[second.client_id()])


def visit_asking_os_path(context, base_url, notebook_id, also=lambda notebook: None) -> None:
    """A visit that completes `os.pa` (after whatever `also` does) and leaves once every answer
    is saved."""
    visit = NotebookPage(context.new_page(), base_url)
    visit.open(notebook_id)
    also(visit)
    visit.set_cell(1, "import os\n")
    visit.type(1, "os.pa")
    visit.wait_for_option("path")
    visit.leave()


def test_a_request_answered_before_in_a_fresh_kernel_is_answered_from_the_store(context, base_url, notebook_id):
    """A reopened notebook whose kernel has not started yet completes what was asked before from
    the store; once a cell has run, the kernel is asked again (its names changed)."""
    def ask_for_zebra(visit):
        visit.set_cell(2, "zebr")
        visit.type(2, "a", delay_ms=0)  # "zebra": no such name in a fresh kernel

    visit_asking_os_path(context, base_url, notebook_id, also=ask_for_zebra)

    held = []  # the kernel's snapshot: it stays "starting" while held
    context.route("**/snapshots/kernel.bin", lambda route: held.append(route))
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id, wait_ready=False)
    expect(notebook.page.locator("#completion-status")).to_have_attribute("data-state", "ready", timeout=60_000)
    requests_before = len(notebook.stored_events()["requests"])
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")
    assert notebook.page.locator("#kernel-status").get_attribute("data-state") == "starting"
    assert len(notebook.stored_events()["requests"]) == requests_before  # nothing asked of a kernel
    notebook.page.keyboard.press("Escape")

    while held:
        held.pop().continue_()
    notebook.wait_ready()
    notebook.set_cell(0, "zebra_unique = 1")
    notebook.run_cell(0)
    notebook.set_cell(2, "zebr")
    notebook.type(2, "a", delay_ms=0)
    notebook.wait_for_option("zebra_unique")  # asked again: the stored answer predates the cell
    assert len(notebook.stored_events()["requests"]) > requests_before
    notebook.assert_no_errors()


def test_a_word_typed_before_the_page_was_ready_is_answered_from_where_it_started(context, base_url, notebook_id):
    """On a revisit the person typed `os.pat` before completions started (their store still opening): the answer stored at the
    dot (asked on the first visit) serves it, narrowed, and nothing is asked of a kernel."""
    visit_asking_os_path(context, base_url, notebook_id)

    held = []  # the completion store's leader worker: completions cannot start until it comes
    context.route("**/assets/livestore.worker-*", lambda route: held.append(route))
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id, wait_ready=False)
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pat")
    assert notebook.page.locator("#completion-status").get_attribute("data-state") == "starting"
    wait_until_held(notebook.page, held)
    while held:
        held.pop().continue_()
    notebook.wait_for_option("path")
    assert all(label.lower().startswith("pat") for label in notebook.popup_labels())
    sources = [r["source"] for r in notebook.stored_events()["requests"]]
    assert "import os\nos.pat" not in sources, sources
    notebook.assert_no_errors()


def test_a_request_whose_word_the_store_answered_meanwhile_is_not_computed(context, base_url, notebook_id):
    """`o` is asked while the kernel starts; `os.` is then answered from the store. Nobody waits
    for the `o` answer any more: it is answered `timeout` with nothing, not computed by Jedi
    (nor completed locally)."""
    first = NotebookPage(context.new_page(), base_url)
    first.open(notebook_id)
    first.set_cell(1, "import os\nos")  # pasted: only the dot is asked, not `o`
    first.type(1, ".pa")
    first.wait_for_option("path")
    first.leave()
    held = []  # the kernel's snapshot: it stays "starting" while held
    context.route("**/snapshots/kernel.bin", lambda route: held.append(route))
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id, wait_ready=False)
    expect(notebook.page.locator("#completion-status")).to_have_attribute("data-state", "ready", timeout=60_000)
    # The same cell, so the same cells above: their definitions name the stored answers too.
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "o")
    asked_o = """() => window.livecomplete.debug.storedEvents().requests
      .find((r) => r.source === 'import os\\no' && r.requestedBy === window.livecomplete.clientId)?.id"""
    notebook.page.wait_for_function(asked_o)
    o_request = notebook.page.evaluate(asked_o)
    notebook.type(1, "s.pa")
    notebook.wait_for_option("path")  # from the store
    while held:
        held.pop().continue_()
    notebook.wait_ready()
    notebook.wait_until_all_answered()
    answer = next(r for r in notebook.stored_events()["responses"] if r["id"] == o_request)
    assert answer["status"] == "timeout" and list(answer["suggestions"]) == [], answer
    notebook.assert_no_errors()
