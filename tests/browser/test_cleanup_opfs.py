"""Cleanup of stale completion stores on real OPFS: what goes, what stays byte for byte."""

import re
import time

from playwright.sync_api import expect

DAY_MS = 24 * 60 * 60 * 1000
STORE_FILES = {"aaaa": "pool file 1", "bbbb": "pool file 2 " * 100}


def stale_and_decoys(notebook_id):
    stale = {
        "livestore-old-nb-completions@4": STORE_FILES,
        "livestore-older-nb-completions@5": STORE_FILES,
    }
    decoys = {
        f"livestore-another-{notebook_id}@6": {"main": "another notebook's own data"},  # a main store
        f"livestore-{notebook_id}@4": {"main": "an old main store: not ours either"},
        "livestore-my-completions@6-backup": {"f": "look-alike"},
        "notes-completions@draft": {"f": "look-alike"},
        "livestore-🐍-completions@4": {"f": "unicode id"},
        "livestore-x-completions@v4": {"f": "version is not a number"},
        "livestore-a@b-completions@4": {"f": "extra @"},
        "livestore-gone-completions@4.txt": "a file, not a directory",
    }
    return stale, decoys


def test_old_format_stores_are_removed_and_nothing_else(open_notebook, notebook_id):
    notebook = open_notebook()
    own_store = f"livestore-{notebook_id}-completions@6"
    stale, decoys = stale_and_decoys(notebook_id)
    notebook.write_opfs({**stale, **decoys})
    own_before = notebook.page.evaluate("window.livecomplete.storageReport()")["storeBytes"]

    report = notebook.cleanup_now()

    assert sorted(r["name"] for r in report["removed"]) == sorted(stale)
    assert all(r["bytes"] == sum(len(t) for t in STORE_FILES.values()) for r in report["removed"])
    assert report["bytesFreed"] == 2 * sum(len(t) for t in STORE_FILES.values())
    root = notebook.opfs_root()
    assert not set(stale) & set(root)
    for name, content in decoys.items():
        assert name in root
        if isinstance(content, dict):
            assert notebook.read_opfs_directory(name) == content  # byte for byte
    assert own_store in root and own_before > 0
    assert f"livestore-{notebook_id}@6" in root  # this notebook's own store, open and in use
    assert {"name": own_store, "why": "open in this page"} in report["skipped"]
    # The open store still works after the round.
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")


def test_stores_unused_past_the_retention_are_removed_by_age(open_notebook, notebook_id):
    notebook = open_notebook()
    notebook.write_opfs({"livestore-idle-completions@6": STORE_FILES})
    kept = notebook.cleanup_now()
    assert kept["removed"] == []
    assert any(s["name"] == "livestore-idle-completions@6" and "within the retention" in s["why"] for s in kept["skipped"])

    eight_days_later = time.time() * 1000 + 8 * DAY_MS
    report = notebook.cleanup_now(eight_days_later)
    assert [r["name"] for r in report["removed"]] == ["livestore-idle-completions@6"]
    assert report["removed"][0]["reason"].startswith("no activity for 8.0 days")
    assert f"livestore-{notebook_id}-completions@6" in notebook.opfs_root()  # open: never removed


def test_a_store_held_open_by_a_worker_is_skipped_without_error(open_notebook):
    notebook = open_notebook()
    notebook.write_opfs({"livestore-held-completions@4": STORE_FILES})
    notebook.page.evaluate("""async () => {
      const source = `onmessage = async () => {
        const root = await navigator.storage.getDirectory()
        const directory = await root.getDirectoryHandle('livestore-held-completions@4')
        self.handle = await (await directory.getFileHandle('aaaa')).createSyncAccessHandle()
        postMessage('holding')
      }`
      window.holder = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })))
      await new Promise((resolve) => { window.holder.onmessage = resolve; window.holder.postMessage('go') })
    }""")

    report = notebook.cleanup_now()

    assert report["removed"] == []
    assert {"name": "livestore-held-completions@4", "why": "open in another tab or worker; retried next round"} in report["skipped"]
    assert notebook.read_opfs_directory("livestore-held-completions@4") == STORE_FILES
    notebook.page.evaluate("window.holder.terminate()")
    notebook.page.wait_for_timeout(200)  # the worker's handle is released asynchronously
    assert [r["name"] for r in notebook.cleanup_now()["removed"]] == ["livestore-held-completions@4"]


def test_a_round_is_skipped_while_another_tab_holds_the_cleanup_lock(open_notebook, notebook_id):
    first = open_notebook(notebook_id)
    second = open_notebook(f"{notebook_id}-b")
    first.write_opfs({"livestore-old-completions@4": STORE_FILES})
    second.page.evaluate("""() => new Promise((locked) => {
      navigator.locks.request('livecomplete-opfs-cleanup', () => {
        locked()
        return new Promise((release) => { window.releaseCleanupLock = release })
      })
    })""")

    skipped = first.cleanup_now()
    assert (skipped["ran"], skipped["note"]) == (False, "another tab is cleaning up")
    assert "livestore-old-completions@4" in first.opfs_root()

    second.page.evaluate("window.releaseCleanupLock()")
    assert [r["name"] for r in first.cleanup_now()["removed"]] == ["livestore-old-completions@4"]


def test_two_tabs_cleaning_at_once_never_remove_the_same_store_twice(open_notebook, notebook_id):
    first = open_notebook(notebook_id)
    second = open_notebook(f"{notebook_id}-b")
    stale = {f"livestore-old{i}-completions@4": STORE_FILES for i in range(30)}
    first.write_opfs(stale)
    start_both = """() => { window.concurrentRound = window.livecomplete.cleanupNow(); return true }"""
    first.page.evaluate(start_both)
    second.page.evaluate(start_both)
    reports = [tab.page.evaluate("window.concurrentRound") for tab in (first, second)]

    removed = [r["name"] for report in reports for r in report["removed"]]
    assert sorted(removed) == sorted(stale)  # each removed once, by one tab
    for report in reports:
        assert not any("failed" in s["why"] or "could not be read" in s["why"] for s in report["skipped"]), report
    assert not set(stale) & set(first.opfs_root())


def test_cleanup_runs_by_itself_and_the_storage_panel_shows_it(context, base_url, notebook_id):
    from notebook_page import NotebookPage

    setup = NotebookPage(context.new_page(), base_url)
    setup.open(f"{notebook_id}-setup")
    setup.write_opfs({"livestore-old-completions@4": STORE_FILES})

    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id, options={"cleanupDelayMs": 300})
    panel = notebook.page.locator("#storage-panel")
    expect(panel.locator(".last-cleanup")).to_contain_text("removed 1 completion store (", timeout=20_000)
    assert "livestore-old-completions@4" not in notebook.opfs_root()
    panel.locator("summary").click()
    expect(panel.locator(".cleanup-details")).to_contain_text("removed livestore-old-completions@4")
    expect(panel.locator(".store-bytes")).to_have_text(re.compile(r"^\d+(\.\d)? (B|KB|MB)$"))
    expect(panel.locator(".origin-usage")).to_contain_text("quota")
    # The growth per hour needs a minute of the visit (growth.py); until then the events so far.
    expect(panel.locator(".growth")).to_have_text(re.compile(r"^measured after a minute of use \(\d+ completion events now\)$"))
    notebook.assert_no_errors()
    setup.assert_no_errors()
