"""What lands in the completion store, and in OPFS, and what survives a reload."""

from playwright.sync_api import expect


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
    assert request["cellId"] == "cell-2"
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
    notebook.page.wait_for_function("window.livecomplete.store.syncStatus().isSynced")
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
    first.set_cell(1, "import os\n")
    second.set_cell(1, "import sys\n")
    first.type(1, "os.pa")
    second.type(1, "sys.pa")
    first.wait_for_option("path")
    second.wait_for_option("path")
    first.type(1, "th.jo")
    first.wait_for_option("join")

    def answer_counts(stored):
        """(who asked, how many answers) per request: every request must have exactly one."""
        answers = {r["id"]: r["answers"] for r in stored["responses"]}
        return [(r["requestedBy"], r["source"][-12:].replace("\n", "|"), answers.get(r["id"], 0)) for r in stored["requests"]]

    # Both tabs see the same store: each other's requests, each answered once, none left open.
    for tab in (first, second):
        tab.page.wait_for_function(
            "ids => { const {requests} = window.livecomplete.storedEvents(); "
            "return ids.every(id => requests.some(r => r.requestedBy === id)) && requests.every(r => r.answered) }",
            arg=[first.client_id(), second.client_id()],
        )
        counts = answer_counts(tab.stored_events())
        assert all(count == 1 for _, _, count in counts), counts
