"""The notebook's main store, timed: `python3 build.py bench notebook [--rounds N] [--no-remote]`.

On the real page in headless Chromium. Three figures, as issue 14 asks:
- **open**: a notebook of 50 cells (each with an output) reopened; from the notebook's store
  having opened to every cell in the DOM (the page's marks `notebook-store-opened` and
  `notebook-shown`), and from navigation to every cell shown.
- **run**: Shift+Enter on `N + 1` to its output in the DOM, timed in the page from the key's event
  time (a MutationObserver); with the page's kernel, and with a remote kernel (wrangler on loopback
  and `web/node/remote-kernel.js`, as the sync tests start them) unless `--no-remote`.
- **events per 100 keys**: a six-line snippet typed at 150-250 ms per key (seeded), counting the
  main-store events the page committed.
Prints median / p95; writes JSON to bench-results/.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from _harness import NotebookPage, figures, served_chromium, write_results

from sync_services import RemoteKernelProcess, SyncBackend  # tests/browser, on the path by _harness

CELLS = 50
SNIPPET = (
    "import statistics\n"
    "readings = [12.5, 14.0, 13.25, 15.5]\n"
    "mean = statistics.mean(readings)\n"
    "spread = max(readings) - min(readings)\n"
    "labels = {name: value for name, value in zip('abcd', readings)}\n"
    "print(mean, spread, labels)\n"
)

# Times one run in the page: from Shift+Enter's keydown to `expected` in the cell's output.
WATCH_RUN = """([index, expected]) => {
  window.__run = { keyAt: null, shownAt: null }
  const cell = document.querySelectorAll('.cell')[index]
  cell.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.shiftKey && window.__run.keyAt === null) window.__run.keyAt = e.timeStamp
  }, { capture: true })
  const observer = new MutationObserver(() => {
    if (cell.querySelector('.output .value')?.textContent === expected) {
      window.__run.shownAt = performance.now()
      observer.disconnect()
    }
  })
  observer.observe(cell, { subtree: true, childList: true, characterData: true })
}"""

COUNT_NOTEBOOK_COMMITS = """() => {
  const { store } = window.livecomplete.debug.notebookStore()
  const commit = store.commit.bind(store)
  window.notebookEvents = 0
  store.commit = (...events) => { window.notebookEvents += events.length; return commit(...events) }
}"""

FILL = """(count) => {
  const { store, events } = window.livecomplete.debug.notebookStore()
  const made = []
  for (let i = 0; i < count; i++) {
    const id = `bench-cell-${i}`
    made.push(
      events.cellCreated({ id, cellType: 'code', position: 100 + i, createdBy: 'bench' }),
      events.cellSourceChanged({ id, source: `value_${i} = ${i} * 2\\nprint(value_${i})`, modifiedBy: 'bench' }),
      events.cellOutputAdded({ id: `bench-out-${i}`, cellId: id, outputType: 'stream',
                               data: { name: 'stdout', text: `${i * 2}\\n` }, position: 0 }),
    )
  }
  store.commit(...made)
}"""


def open_ms(notebook: NotebookPage) -> dict[str, float]:
    marks = notebook.page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('mark')
        .filter((m) => m.name.startsWith('livecomplete:notebook')).map((m) => [m.name.split(':')[1], m.startTime]))""")
    return {"afterStoreMs": marks["notebook-shown"] - marks["notebook-store-opened"], "afterNavigationMs": marks["notebook-shown"]}


def run_ms(notebook: NotebookPage, index: int, number: int) -> float:
    notebook.set_cell(index, f"{number} + 1")
    notebook.page.evaluate(WATCH_RUN, [index, str(number + 1)])
    notebook.editor(index).click()
    notebook.page.keyboard.press("Shift+Enter")
    notebook.page.wait_for_function("window.__run.shownAt !== null", timeout=30_000)
    timing = notebook.page.evaluate("window.__run")
    return timing["shownAt"] - timing["keyAt"]


def runs(notebook: NotebookPage, rounds: int) -> list[float]:
    run_ms(notebook, 1, 0)  # the first run starts the kernel: not what is measured
    return [run_ms(notebook, 1, number) for number in range(1, rounds + 1)]


def events_per_100_keys(notebook: NotebookPage) -> dict[str, float]:
    notebook.page.evaluate(COUNT_NOTEBOOK_COMMITS)
    rng = random.Random(14)
    notebook.editor(2).click()
    for key in SNIPPET:
        notebook.page.keyboard.press("Enter" if key == "\n" else key)
        time.sleep(rng.uniform(0.150, 0.250))
    notebook.page.keyboard.press("Escape")
    notebook.wait_until_saved()
    committed = notebook.page.evaluate("window.notebookEvents")
    return {"keys": len(SNIPPET), "events": committed, "per100Keys": round(committed * 100 / len(SNIPPET), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--no-remote", action="store_true")
    args = parser.parse_args()
    results: dict = {}
    with served_chromium() as (browser, base_url):
        context = browser.new_context()
        notebook = NotebookPage(context.new_page(), base_url)
        notebook.open(None)
        notebook_id = notebook.page.evaluate("window.livecomplete.notebookId")
        notebook.page.evaluate(FILL, CELLS - 3)
        notebook.wait_until_saved()
        notebook.page.close()
        opened = []
        for _ in range(args.visits):
            visit = NotebookPage(context.new_page(), base_url)
            visit.open(notebook_id)
            assert visit.page.locator(".cell").count() == CELLS
            opened.append(open_ms(visit))
            visit.page.close()
        results["open50"] = {
            "afterStoreMs": figures([o["afterStoreMs"] for o in opened]),
            "afterNavigationMs": figures([o["afterNavigationMs"] for o in opened]),
        }

        notebook = NotebookPage(context.new_page(), base_url)
        notebook.open(None)
        results["runPageKernelMs"] = figures(runs(notebook, args.rounds))
        results["mainStoreEvents"] = events_per_100_keys(notebook)
        notebook.assert_no_errors()
        context.close()

        if not args.no_remote:
            backend = SyncBackend(Path(tempfile.mkdtemp(prefix="bench-sync-")))
            backend.start()
            kernel = None
            try:
                remote_id = f"bench-remote-{int(time.time())}"
                kernel = RemoteKernelProcess(remote_id, backend.url, "kernel-bench", lease_ms=30_000,
                    token=backend.token(remote_id, "kernel"))
                context = browser.new_context()
                notebook = NotebookPage(context.new_page(), base_url)
                notebook.open(remote_id, sync=backend.url, token=backend.token(remote_id, "write"))
                notebook.page.wait_for_function("window.livecomplete.remoteKernel === 'kernel-bench'", timeout=30_000)
                results["runRemoteKernelMs"] = figures(runs(notebook, args.rounds))
                context.close()
            finally:
                if kernel is not None:
                    kernel.stop()
                backend.stop()

    print(f"50 cells shown after the store opened (ms): {results['open50']['afterStoreMs']}")
    print(f"50 cells shown after navigation (ms):      {results['open50']['afterNavigationMs']}")
    print(f"Shift+Enter on N + 1 to output, page's kernel (ms): {results['runPageKernelMs']}")
    if "runRemoteKernelMs" in results:
        print(f"Shift+Enter on N + 1 to output, remote kernel (ms): {results['runRemoteKernelMs']}")
    print(f"main-store events per 100 keys: {results['mainStoreEvents']}")
    print(f"results: {write_results('notebook', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
