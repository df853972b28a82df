"""Cleanup at the sync backend (web/sync/cleanup.js): a completion store's history is emptied by
the backend itself, past a retention or a size cap, while the notebook's main store is never
touched; the page and the remote kernel that held the old history start afresh and complete.

Each test has a backend of its own (wrangler on loopback) with a short retention or a small cap.
"""

from __future__ import annotations

import json
import signal
import time
import uuid

import pytest
from playwright.sync_api import expect

import build
from notebook_page import NotebookPage
from sync_services import RemoteKernelProcess, SyncBackend

CHECK = {"LIVECOMPLETE_CLEANUP_CHECK_SECONDS": 1}
RETENTION_S = 10
QUIET_S = build._pure_module("limits").BACKEND_CLEANUP["quietMs"] / 1000
RESPONSE_TIMEOUT_S = build._pure_module("options").Options().response_timeout_ms / 1000


@pytest.fixture
def served(tmp_path, browser, base_url):
    """start(settings) -> (backend, kernel, page, notebook id): a backend with `settings`, a remote
    kernel and one person with a write token, the page served by the kernel."""
    opened = []

    def start(settings):
        backend = SyncBackend(tmp_path / "sync-state", {**CHECK, **settings})
        backend.start()
        notebook_id = f"cleanup-{uuid.uuid4().hex[:8]}"
        kernel = RemoteKernelProcess(notebook_id, backend.url, "kernel-c", 30_000, token=backend.token(notebook_id, "kernel"))
        context = browser.new_context()
        page = NotebookPage(context.new_page(), base_url)
        opened.append((backend, kernel, context, page))
        page.open(notebook_id, sync=backend.url, token=backend.token(notebook_id, "write"))
        expect(page.page.locator("#remote-kernel")).to_have_attribute("data-kernel-id", "kernel-c", timeout=30_000)
        return backend, kernel, page, notebook_id

    yield start
    for backend, kernel, context, page in opened:
        kernel.stop(signal.SIGKILL)
        print("--- kernel:", *kernel.lines[-20:], "--- backend:", *backend.lines[-20:], sep="\n")
        page.assert_no_errors()
        context.close()
        backend.stop()


def complete(page, index, text, option):
    """Type `text` at the end of cell `index` until `option` shows; the requests are answered."""
    page.type(index, text)
    page.wait_for_option(option)
    page.page.keyboard.press("Escape")
    page.wait_until_all_answered()


def asked(history):
    """The completion ids of the requests in a store's history at the backend."""
    return {json.loads(args)["completionId"] for _, name, args in history if name == "v1.CompletionRequested"}


def test_an_idle_completion_store_is_emptied_at_the_backend_and_everyone_completes_again(served):
    backend, kernel, page, notebook_id = served({"LIVECOMPLETE_RETENTION_DAYS": RETENTION_S / 86_400})
    page.set_cell(1, "zebra_count = 3\nimport os\n")
    page.run_cell(1)
    complete(page, 1, "os.pa", "path")
    page.wait_until_saved()
    before = backend.histories()
    notebook_history = before[notebook_id]
    old_requests = asked(before[f"{notebook_id}-completions"])
    assert old_requests

    # Nobody asks for longer than the retention (the kernel still renews its lease meanwhile).
    backend.wait_for_line(rf"emptied the history of {notebook_id}-completions: nothing asked for", timeout_s=RETENTION_S + 20)
    kernel.wait_for_line("the sync backend emptied its history", timeout_s=30)
    kernel.wait_for_line("serving fresh stores", timeout_s=30)

    # The page and the kernel start afresh and complete again; the namespace carried on.
    page.set_cell(1, "zebra_count = 3\nimport os\nzebra_")
    page.page.keyboard.press("Control+Space")
    page.wait_for_option("zebra_count", timeout_ms=30_000)
    page.page.keyboard.press("Escape")
    page.wait_until_all_answered()
    after = backend.histories()
    assert asked(after[f"{notebook_id}-completions"]) and not asked(after[f"{notebook_id}-completions"]) & old_requests
    assert [a["id"] for a in kernel.answers()][-1] in asked(after[f"{notebook_id}-completions"])
    # The notebook's own store at the backend: untouched (it only grows).
    assert after[notebook_id][: len(notebook_history)] == notebook_history


def test_a_store_over_the_cap_is_emptied_only_once_no_request_can_still_be_awaited(served):
    backend, kernel, page, notebook_id = served({"LIVECOMPLETE_MAX_STORE_MB": 0.01})
    page.set_cell(1, "import os\nimport json\n")
    complete(page, 1, "os.pa", "path")
    complete(page, 1, "\njson.du", "dumps")
    store = f"{notebook_id}-completions"
    # The kernel pauses: the next request waits for an answer, as a page waits for a slow kernel.
    kernel.process.send_signal(signal.SIGSTOP)
    try:
        before = asked(backend.histories()[store])
        page.type(1, "\nos.ge")
        asked_at = time.monotonic()
        time.sleep(1)  # the request reaches the backend
        waiting = asked(backend.histories()[store]) - before
        # Past the page's response timeout, the request is still kept although the store is over
        # the cap: the backend waits for quiet.
        time.sleep(RESPONSE_TIMEOUT_S + 1)
        assert asked(backend.histories().get(store, [])) >= waiting and waiting
        assert not any("emptied the history" in line for line in backend.lines)
    finally:
        kernel.process.send_signal(signal.SIGCONT)
    match = backend.wait_for_line(rf"emptied the history of {store}: .* past the cap", timeout_s=QUIET_S + 20)
    assert time.monotonic() - asked_at >= QUIET_S - 1, match.group(0)
    assert notebook_id in backend.histories()
