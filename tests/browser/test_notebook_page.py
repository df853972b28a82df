"""The notebook itself: cells, runs and outputs in the notebook's main LiveStore store (in OPFS),
shown alike in every tab, and what other clients may write into it read with care."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from notebook_page import NotebookPage

# Counts the main-store events this page commits, by name.
COUNT_NOTEBOOK_COMMITS = """() => {
  const { store } = window.livecomplete.debug.notebookStore()
  const commit = store.commit.bind(store)
  window.notebookCommits = {}
  store.commit = (...events) => {
    for (const { name } of events) window.notebookCommits[name] = (window.notebookCommits[name] ?? 0) + 1
    return commit(...events)
  }
}"""


def cell_texts(notebook: NotebookPage) -> list[str]:
    return notebook.page.evaluate("[...document.querySelectorAll('.cell')].map((c) => c.cell.view.state.doc.toString())")


def rows(notebook: NotebookPage, table: str) -> list[dict]:
    return notebook.page.evaluate("t => window.livecomplete.debug.notebookStore().rows(t)", table)


def test_a_reload_restores_the_cells_their_outputs_and_counts(open_notebook, notebook_id):
    notebook = open_notebook()
    notebook.set_cell(1, 'print("hello")\nanswer = 6 * 7\nanswer')
    notebook.run_cell(1)
    notebook.set_cell(2, "1 / 0")
    notebook.run_cell(2)
    expect(notebook.cell(2).locator(".output .error")).to_contain_text("ZeroDivisionError")
    added = notebook.page.locator(".cell").count()  # Shift+Enter on the last cell added one
    notebook.wait_until_saved()
    before = cell_texts(notebook)

    notebook.reload()
    assert cell_texts(notebook) == before
    assert notebook.page.locator(".cell").count() == added
    expect(notebook.cell(1).locator(".output .stdout")).to_have_text("hello\n")
    expect(notebook.cell(1).locator(".output .value")).to_have_text("42")
    expect(notebook.cell(1).locator(".prompt")).to_have_text("[1]:")
    expect(notebook.cell(2).locator(".output .error")).to_contain_text("ZeroDivisionError")
    expect(notebook.cell(2).locator(".prompt")).to_have_text("[2]:")
    notebook.assert_no_errors()


def test_a_second_tab_sees_new_cells_edits_runs_and_moves_live(open_notebook, notebook_id):
    first = open_notebook(notebook_id)
    second = open_notebook(notebook_id)
    first.page.get_by_role("button", name="+ Code cell").click()
    expect(second.page.locator(".cell")).to_have_count(4)
    first.page.keyboard.type("shared = 'from the first tab'", delay=20)
    expect(second.cell(3).locator(".cm-content")).to_have_text("shared = 'from the first tab'")

    first.run_cell(3)
    # Running shows in every tab, then the output.
    expect(second.cell(3).locator(".prompt")).to_have_text(re.compile(r"\[\d+\]:"))
    second.set_cell(4, "shared")  # the cell Shift+Enter added, in the other tab
    first.page.wait_for_function("document.querySelectorAll('.cell').length === 5")
    expect(first.cell(4).locator(".cm-content")).to_have_text("shared")

    # Move and delete, seen in the other tab in the same order.
    first.cell(3).locator(".move-up").click()
    expect(second.cell(2).locator(".cm-content")).to_have_text("shared = 'from the first tab'")
    second.cell(0).locator(".delete").click()
    expect(first.page.locator(".cell")).to_have_count(4)
    assert cell_texts(first) == cell_texts(second)
    first.assert_no_errors()
    second.assert_no_errors()


def test_runs_queue_and_execute_in_the_order_they_were_asked(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, "import time\nsteps = []\ntime.sleep(1.5)\nsteps.append('first')")
    notebook.set_cell(1, "steps.append('second')")
    notebook.set_cell(2, "steps")
    for index in (0, 1, 2):  # asked while the first still runs
        notebook.cell(index).locator(".run").click()
    expect(notebook.cell(1).locator(".prompt")).to_have_text("[*]:")
    expect(notebook.cell(2)).to_have_attribute("data-execution-state", "queued")
    expect(notebook.cell(2).locator(".output .value")).to_have_text("['first', 'second']", timeout=30_000)
    assert [notebook.cell(i).locator(".prompt").inner_text() for i in (0, 1, 2)] == ["[1]:", "[2]:", "[3]:"]
    queue = sorted(rows(notebook, "executionQueue"), key=lambda r: r["executionCount"])
    assert [r["status"] for r in queue] == ["completed"] * 3
    notebook.assert_no_errors()


def test_source_edits_are_saved_in_batches_not_per_keystroke(open_notebook):
    notebook = open_notebook()
    notebook.page.evaluate(COUNT_NOTEBOOK_COMMITS)
    text = "values = [number * 2 for number in range(10)]\ntotal = sum(values)\n"
    notebook.type(2, text, delay_ms=120)
    notebook.wait_until_saved()
    saves = notebook.page.evaluate("window.notebookCommits['v1.CellSourceChanged'] ?? 0")
    # One save per pause or per three seconds of typing: far fewer than one per key.
    assert 1 <= saves <= len(text) * 10 // 100, saves
    assert rows(notebook, "cells")[2]["source"] == text


def test_two_people_editing_one_cell_the_last_save_wins_and_typing_is_never_overwritten(open_notebook, notebook_id):
    """Last writer wins per cell (README): a save replaces the cell in the other tab, unless the
    person there has typed since their own last save; their next save then wins everywhere."""
    alice = open_notebook(notebook_id)
    # Bob's typing stays unsaved until he leaves the cell (a long pause before saving).
    bob = open_notebook(notebook_id, options={"sourceSaveMs": 60_000})
    alice.set_cell(2, "x = 'alice'")
    alice.wait_until_saved()
    expect(bob.cell(2).locator(".cm-content")).to_have_text("x = 'alice'")

    bob.editor(2).click()
    bob.page.keyboard.press("Control+End")
    bob.page.keyboard.type(" + 'bob'", delay=150)
    alice.set_cell(2, "x = 'alice again'")
    alice.wait_until_saved()
    time.sleep(1)  # Alice's save has reached Bob's tab; his unsaved typing stays
    assert bob.cell_text(2) == "x = 'alice' + 'bob'"
    bob.editor(0).click()  # leaving the cell saves it: the last save, so it wins everywhere
    expect(alice.cell(2).locator(".cm-content")).to_have_text("x = 'alice' + 'bob'")
    expect(bob.cell(2).locator(".cm-content")).to_have_text("x = 'alice' + 'bob'")


def test_what_other_clients_write_is_checked_and_nothing_else_is_lost(open_notebook):
    """A huge source, an output for a cell that does not exist, an output carrying markup and a
    run asked for a deleted cell: each gets one warning (or is shown as text), the rest stays."""
    notebook = open_notebook()
    warnings = []
    notebook.page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    cell_id = notebook.cell(1).get_attribute("data-cell-id")
    notebook.page.evaluate("""([cellId]) => {
      const { store, events } = window.livecomplete.debug.notebookStore()
      store.commit(
        events.cellSourceChanged({ id: cellId, source: 'x = 1\\n' + '#'.repeat(150000), modifiedBy: 'someone' }),
        events.cellOutputAdded({ id: 'o-ghost', cellId: 'no-such-cell', outputType: 'stream',
                                 data: { name: 'stdout', text: 'ghost' }, position: 0 }),
        events.cellOutputAdded({ id: 'o-markup', cellId, outputType: 'execute_result',
                                 data: { 'text/plain': '<img src=x onerror="window.pwned=1"><b>bold</b>' }, position: 1 }),
        events.cellCreated({ id: 'doomed', cellType: 'code', position: 99, createdBy: 'someone' }),
        events.cellDeleted({ id: 'doomed' }),
        events.executionRequested({ queueId: 'q-doomed', cellId: 'doomed', executionCount: 50, requestedBy: window.livecomplete.clientId, priority: 0 }),
      )
    }""", [cell_id])
    clipped = notebook.cell(1).locator(".clipped")
    expect(clipped).to_be_visible()
    assert len(notebook.cell_text(1)) == 100_000
    value = notebook.cell(1).locator(".output .value")
    expect(value).to_have_text('<img src=x onerror="window.pwned=1"><b>bold</b>')
    assert notebook.cell(1).locator(".output img, .output b").count() == 0
    assert notebook.page.evaluate("window.pwned") is None
    # The run of the deleted cell ends, failed, saying why; nothing waits for it.
    notebook.page.wait_for_function(
        "() => window.livecomplete.debug.notebookStore().rows('executionQueue').some((q) => q.id === 'q-doomed' && q.status === 'failed')")
    assert notebook.page.locator(".cell").count() == 3
    assert "ghost" not in notebook.page.locator("main").inner_text()
    deadline = time.monotonic() + 5
    while not any("no-such-cell" in w for w in warnings) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [w for w in warnings if "no-such-cell" in w][:1], warnings
    assert len([w for w in warnings if "150006 characters" in w]) == 1, warnings
    # The notebook still works.
    notebook.set_cell(2, "2 + 2")
    notebook.run_cell(2)
    expect(notebook.cell(2).locator(".output .value")).to_have_text("4")


def test_a_kernel_restart_marks_the_outputs_stale_and_runs_go_on(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "kept = 1\nkept")
    notebook.run_cell(1)
    notebook.page.evaluate("window.livecomplete.kernel.restart()")
    expect(notebook.cell(1).locator(".prompt")).to_have_text("[ ]:")
    expect(notebook.cell(1).locator(".output")).to_have_class(re.compile("stale"))
    notebook.set_cell(2, "kept")
    notebook.run_cell(2)
    expect(notebook.cell(2).locator(".output .error")).to_contain_text("NameError")
    sessions = rows(notebook, "kernelSessions")
    assert [s["status"] for s in sessions].count("terminated") == 1, sessions


def test_a_tab_reloaded_after_a_run_while_another_tab_is_open_gets_its_notebook_back(open_notebook, notebook_id):
    """A commit made as a page went away (pagehide) once left the notebook's store so that every
    later opening stalled, and the page fell back to an empty notebook in memory."""
    first = open_notebook(notebook_id)
    first.set_cell(1, "kept = 'after the reload'\nkept")
    first.run_cell(1)
    first.wait_until_saved()
    open_notebook(notebook_id)  # the second tab
    for _ in range(2):
        first.reload()
        assert first.page.evaluate("window.livecomplete.notebook.persisted") is True
        assert first.cell_text(1) == "kept = 'after the reload'\nkept"
        expect(first.cell(1).locator(".output .value")).to_have_text("'after the reload'")
    expect(first.page.locator("#notebook-problem")).to_be_hidden()


def test_a_revisit_shows_the_cells_before_the_store_opens_and_keeps_what_is_typed_meanwhile(
    open_notebook, notebook_id, context, base_url
):
    """The view of the last visit is shown at once; keys typed before the notebook's store opens
    are saved once it does, and the store's view then replaces the kept one."""
    first = open_notebook(notebook_id)
    first.set_cell(1, "kept = 1")
    first.run_cell(1)
    first.wait_until_saved()
    first.page.wait_for_timeout(1500)  # the view is kept a second after the store's last change
    first.page.close()

    held = []  # the notebook store's leader worker: the store cannot open until it comes
    context.route("**/assets/notebook.worker-*", lambda route: held.append(route))
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id, wait_ready=False)
    expect(notebook.cell(1).locator(".cm-content")).to_have_text("kept = 1")
    expect(notebook.cell(1).locator(".output .value")).to_have_count(0)  # no value: an assignment
    assert notebook.page.evaluate("window.livecomplete.notebook.view") is None  # the store is not open
    notebook.editor(1).click()
    notebook.page.keyboard.press("Control+End")
    notebook.page.keyboard.type("\nmore = 2", delay=50)
    while held:
        held.pop().continue_()
    context.unroute("**/assets/notebook.worker-*")
    notebook.wait_ready()
    notebook.wait_until_saved()
    notebook.reload()
    assert notebook.cell_text(1) == "kept = 1\nmore = 2"
    notebook.assert_no_errors()
