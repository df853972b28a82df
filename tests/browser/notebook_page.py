"""What a person does on the notebook page, as a small helper for the browser tests."""

from __future__ import annotations

import json
import re
import urllib.parse

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# A cold start loads two Pyodides and Jedi on 2 cores; generous, but a hang still fails.
READY_TIMEOUT_MS = 90_000
POPUP_TIMEOUT_MS = 20_000
HUMAN_KEY_DELAY_MS = 100

LIST_OPFS_ROOT = """async () => {
  const root = await navigator.storage.getDirectory()
  const names = []
  for await (const [name] of root.entries()) names.push(name)
  return names.sort()
}"""


# Test set-up in OPFS: {directory: {file: text}} written at the root (a file when the value is a str).
WRITE_OPFS = """async (tree) => {
  const root = await navigator.storage.getDirectory()
  for (const [name, content] of Object.entries(tree)) {
    const files = typeof content === 'string' ? null : content
    const parent = files ? await root.getDirectoryHandle(name, { create: true }) : root
    for (const [file, text] of Object.entries(files ?? { [name]: content })) {
      const writable = await (await parent.getFileHandle(file, { create: true })).createWritable()
      await writable.write(text)
      await writable.close()
    }
  }
}"""
READ_OPFS_DIRECTORY = """async (name) => {
  const directory = await (await navigator.storage.getDirectory()).getDirectoryHandle(name)
  const files = {}
  for await (const [file, handle] of directory.entries()) {
    if (handle.kind === 'file') files[file] = await (await handle.getFile()).text()
  }
  return files
}"""

# Counts the answers this page commits, per request: the events that exist, whatever state shows;
# in every completion store the page uses from now on (one started afresh included).
COUNT_COMMITS = """() => {
  const lc = window.livecomplete
  window.answersCommitted = {}
  const count = (store) => {
    if (!store || store.countedCommits) return store
    const commit = store.commit.bind(store)
    store.countedCommits = true
    store.commit = (...events) => {
      for (const { name, args } of events) {
        if (name === 'v1.CompletionReceived') {
          window.answersCommitted[args.completionId] = (window.answersCommitted[args.completionId] ?? 0) + 1
        }
      }
      return commit(...events)
    }
    return store
  }
  let current = count(lc.store)
  Object.defineProperty(lc, 'store', { configurable: true, get: () => current, set: (store) => { current = count(store) } })
}"""

# What LiveStore 0.4.0 logs when a synced store dies of its merge defects (docs/sync.md).
LIVESTORE_SYNC_DEFECTS = (
    "Incoming events must be greater than upstream head",
    "New local head must be greater than or equal to the previous local head",
)

# Records when (ms after navigation) the popup first shows an option labelled `label` while cell
# `index` holds `text`, from the DOM change itself: Playwright's waits poll 20-500 ms apart.
WATCH_POPUP = """([index, text, label]) => {
  window.__popupShownAt = null
  const done = () => document.querySelectorAll('.cell')[index]?.cell?.view.state.doc.toString() === text &&
    [...document.querySelectorAll('.cm-tooltip-autocomplete .cm-completionLabel')].some((l) => l.textContent === label)
  const observer = new MutationObserver(() => {
    if (done()) { window.__popupShownAt = performance.now(); observer.disconnect() }
  })
  observer.observe(document.body, { subtree: true, childList: true, characterData: true })
}"""


def wait_until_held(page, held: list, timeout_ms: float = 30_000) -> None:
    """Until a request routed into `held` has come (the completion store opens after the
    notebook's, so its worker is asked for a moment after the page shows its cells)."""
    for _ in range(int(timeout_ms / 50)):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the held request never came")


# The requests the page's store holds without an answer; null while the store is being started
# afresh (sync-watchdog.js).
OPEN_REQUESTS = """() => {
  try {
    return window.livecomplete.debug.storedEvents().requests.filter((r) => !r.answered)
  } catch {
    return null
  }
}"""


class NotebookPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        self.warnings: list[str] = []  # shown with a failing test's output by some fixtures
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")
        elif message.type in ("warning", "info", "log"):
            self.warnings.append(message.text[:300])

    def open(self, notebook_id: str | None, options: dict | None = None, sync: str | None = None,
             wait_ready: bool = True, token: str | None = None) -> None:
        """Open the page (with `token` in its fragment, as `build.py sync` prints it); unless told
        not to, wait until the kernel and completions are ready."""
        params = {}
        if notebook_id:
            params["notebook"] = notebook_id
        if options:
            params["options"] = json.dumps(options)
        if sync:
            params["sync"] = sync
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        fragment = f"#token={token}" if token else ""
        self.page.goto(f"{self.base_url}/{query}{fragment}")
        if wait_ready:
            self.wait_ready()

    def reload(self) -> None:
        self.page.reload()
        self.wait_ready()

    def wait_ready(self) -> None:
        expect(self.page.locator("#kernel-status")).to_have_attribute("data-state", "ready", timeout=READY_TIMEOUT_MS)
        expect(self.page.locator("#completion-status")).to_have_attribute("data-state", "ready", timeout=READY_TIMEOUT_MS)

    # -- cells
    def cell(self, index: int):
        return self.page.locator(".cell").nth(index)

    def editor(self, index: int):
        return self.cell(index).locator(".cm-content")

    def set_cell(self, index: int, text: str) -> None:
        """Replace a cell's text at once (a paste, not typing), and close any popup."""
        self.editor(index).click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")  # inserting "" would leave the selection in place
        if text:
            self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def type(self, index: int, text: str, delay_ms: float = HUMAN_KEY_DELAY_MS) -> None:
        """Type at the end of a cell, key by key."""
        self.editor(index).click()
        self.page.keyboard.press("Control+End")
        self.page.keyboard.type(text, delay=delay_ms)

    def cell_text(self, index: int) -> str:
        return self.page.evaluate(
            "i => document.querySelectorAll('.cell')[i].cell.view.state.doc.toString()",
            index,
        )

    def run_cell(self, index: int) -> None:
        """Shift+Enter in the cell, then wait for its execution count."""
        self.editor(index).click()
        self.page.keyboard.press("Shift+Enter")
        expect(self.cell(index).locator(".prompt")).to_have_text(re.compile(r"\[\d+\]:"), timeout=60_000)

    def output(self, index: int) -> str:
        return self.cell(index).locator(".output").inner_text()

    # -- the completion popup
    @property
    def popup(self):
        return self.page.locator(".cm-tooltip-autocomplete")

    def wait_for_option(self, label: str, timeout_ms: float = POPUP_TIMEOUT_MS):
        # The label is split into matched/unmatched spans; match its whole text.
        exact = self.page.locator(".cm-completionLabel", has_text=re.compile(f"^{re.escape(label)}$"))
        option = self.popup.locator("li").filter(has=exact).first
        expect(option).to_be_visible(timeout=timeout_ms)
        return option

    def watch_popup(self, index: int, text: str, label: str) -> None:
        """Start timing the popup: `popup_shown_at()` is then when (ms after navigation) it first
        showed `label` with cell `index` holding `text`. Arm it before the typing that makes `text`."""
        self.page.evaluate(WATCH_POPUP, [index, text, label])

    def popup_shown_at(self) -> float | None:
        return self.page.evaluate("window.__popupShownAt")

    def popup_labels(self) -> list[str]:
        return self.popup.locator(".cm-completionLabel").all_inner_texts()

    # -- what is stored
    def stored_events(self) -> dict:
        return self.page.evaluate("window.livecomplete.debug.storedEvents()")

    def opfs_root(self) -> list[str]:
        return self.page.evaluate(LIST_OPFS_ROOT)

    def write_opfs(self, tree: dict) -> None:
        self.page.evaluate(WRITE_OPFS, tree)

    def read_opfs_directory(self, name: str) -> dict[str, str]:
        return self.page.evaluate(READ_OPFS_DIRECTORY, name)

    def starts(self) -> dict:
        """How the page's Python and the kernel started: {"page": ..., "kernel": ...}, each
        {restored (from a snapshot), ms, problem (why not)}."""
        return self.page.evaluate(
            "({ page: window.livecomplete.pythonStart, kernel: window.livecomplete.kernel.info.snapshot })")

    def start_marks(self) -> dict[str, float]:
        """ms after navigation of the page's `livecomplete:*` performance marks, by name
        without the prefix (`python-started`, `store-opened`, `kernel-launched`, ...)."""
        return self.page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('mark')
          .filter((m) => m.name.startsWith('livecomplete:'))
          .map((m) => [m.name.slice('livecomplete:'.length), m.startTime]))""")

    def wait_until_saved(self, timeout_ms: float = 30_000) -> None:
        """Both stores have saved (and synced) every event this page committed, the cells' typing
        included (saved when it pauses)."""
        self.page.wait_for_function("""() => {
          const lc = window.livecomplete
          const notebook = lc.debug.notebookStore()
          return lc.store.syncStatus().isSynced && (!notebook || notebook.store.syncStatus().isSynced) &&
            [...document.querySelectorAll('.cell')].every((c) => !c.cell.unsaved)
        }""", timeout=timeout_ms)

    def leave(self) -> None:
        """Close the popup, wait until every answer is in and saved, and close the page. Left open,
        the popup describes its option after a delay: that request, made just before the page
        closed, would stay open in the store (only its own page answers it)."""
        self.page.keyboard.press("Escape")
        self.wait_until_all_answered()
        self.wait_until_saved()
        self.page.close()

    def wait_until_all_answered(self, timeout_ms: float = 30_000) -> None:
        """Every request this page's store holds has an answer; if not in time, the failure names
        the open requests and the page's last log lines."""
        try:
            self.page.wait_for_function(f"() => ({OPEN_REQUESTS})()?.length === 0", timeout=timeout_ms)
        except PlaywrightTimeoutError:
            log = "\n".join(self.errors + self.warnings[-40:])
            open_requests = self.page.evaluate(OPEN_REQUESTS)
            raise AssertionError(f"unanswered after {timeout_ms} ms: {open_requests}\npage log:\n{log}") from None

    def cleanup_now(self, now_ms: float | None = None) -> dict:
        return self.page.evaluate("now => window.livecomplete.cleanupNow({ now })", now_ms)

    def client_id(self) -> str:
        return self.page.evaluate("window.livecomplete.clientId")

    def assert_no_errors(self) -> None:
        """No console error but LiveStore's own report of the sync defects the page recovers from
        (docs/sync.md#the-silent-stall): the store shuts down, and the page starts it afresh."""
        unexpected = [e for e in self.errors if not any(known in e for known in LIVESTORE_SYNC_DEFECTS)]
        assert unexpected == [], "\n".join(unexpected)
