"""The first completion of a stdlib module a cell imports but has not run:
`python3 build.py bench modules [--visits N]`.

On the real page in headless Chromium, with the page's own kernel. Each visit opens a new
notebook in a new browser context and, for each of eight stdlib modules in turn, puts `import M`
in a cell and types `M.` and the start of an attribute (`statistics.me`) at 100 ms per key,
timing in the page from the last key's keydown (event time) to the DOM change that shows the
expected option: what the person waits (the request leaves at the dot, while they type on). Jedi reads each
module the first time; the first module of a visit also pays for what Jedi loads once for any
module. The order rotates, so each module comes first in some visit. Prints the first module's
median and the others'; writes JSON to bench-results/.
"""

from __future__ import annotations

import argparse
import sys

from _harness import NotebookPage, figures, served_chromium, write_results

MODULES = [
    ("statistics", "me", "mean"), ("collections", "Or", "OrderedDict"), ("json", "du", "dumps"),
    ("re", "comp", "compile"), ("datetime", "tim", "timedelta"), ("itertools", "cha", "chain"),
    ("pathlib", "Pa", "Path"), ("random", "ch", "choice"),
]
# From the last keydown (event time) to the DOM change that shows the option labelled `label`.
WATCH = """(label) => {
  window.__first = { keyAt: null, shownAt: null }
  const cell = document.querySelectorAll('.cell')[1]
  cell.addEventListener('keydown', (e) => { if (window.__first.shownAt === null) window.__first.keyAt = e.timeStamp }, { capture: true })
  const shown = () => [...document.querySelectorAll('.cm-tooltip-autocomplete .cm-completionLabel')].some((l) => l.textContent === label)
  const observer = new MutationObserver(() => {
    if (shown()) { window.__first.shownAt = performance.now(); observer.disconnect() }
  })
  observer.observe(document.body, { subtree: true, childList: true, characterData: true })
}"""


def first_completion_ms(notebook: NotebookPage, module: str, typed: str, label: str) -> float:
    notebook.set_cell(1, f"import {module}\n")
    notebook.page.evaluate(WATCH, label)
    notebook.type(1, f"{module}.{typed}", delay_ms=100)
    notebook.page.wait_for_function("window.__first.shownAt !== null", timeout=30_000)
    timing = notebook.page.evaluate("window.__first")
    notebook.page.keyboard.press("Escape")
    return max(0.0, timing["shownAt"] - timing["keyAt"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=4)
    args = parser.parse_args()
    first, others, by_module = [], [], {}
    with served_chromium() as (browser, base_url):
        for visit in range(args.visits):
            context = browser.new_context()
            notebook = NotebookPage(context.new_page(), base_url)
            notebook.open(None)
            order = MODULES[visit % len(MODULES):] + MODULES[:visit % len(MODULES)]
            for position, (module, typed, label) in enumerate(order):
                ms = first_completion_ms(notebook, module, typed, label)
                (first if position == 0 else others).append(ms)
                by_module.setdefault(module, []).append(round(ms))
            notebook.assert_no_errors()
            context.close()
    results = {"firstModuleMs": figures(first), "laterModulesMs": figures(others), "byModule": by_module,
               "visits": args.visits}
    for name, row in (("the first module of a visit", results["firstModuleMs"]), ("the others", results["laterModulesMs"])):
        print(f"first completion of a module imported, not run ({name}): median {row['median']} ms, "
              f"p95 {row['p95']} ms, max {row['max']} ms (n={row['n']})")
    print("by module (ms, per visit):", by_module)
    print(f"results: {write_results('modules', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
