"""How long after `(` the signature tooltip shows: `python3 build.py bench signature [--rounds N]`.

On the real page in headless Chromium, with the page's own kernel. A cell defines a function
and runs; then each round types `name(` in an empty cell, where `name` is a new function every
round (so neither the kernel's kept answers nor the store's serve it, and Jedi computes), and a
second time the same call (`reused`: the store answers). Each time is taken in the page, from the
`(` key's event time to the DOM change that shows the tooltip. Prints median / p95 / max;
writes JSON to bench-results/.
"""

from __future__ import annotations

import argparse
import sys

from _harness import NotebookPage, figures, served_chromium, write_results

# Times the tooltip from the `(` keydown (event time) to the DOM change that shows it, in the page.
WATCH = """() => {
  window.__sig = { keyAt: null, shownAt: null }
  const editor = document.querySelectorAll('.cell')[1]
  editor.addEventListener('keydown', (e) => { if (e.key === '(' && window.__sig.keyAt === null) window.__sig.keyAt = e.timeStamp }, { capture: true })
  const observer = new MutationObserver(() => {
    if (document.querySelector('.lc-signature-help')) { window.__sig.shownAt = performance.now(); observer.disconnect() }
  })
  observer.observe(document.body, { subtree: true, childList: true })
}"""
DEFINITIONS = "\n".join(
    f"def measure_{i}(width, height=2, *, unit='m'):\n    'Function {i}.'\n    return width * height" for i in range(60)
)


def tooltip_ms(notebook: NotebookPage, name: str) -> float:
    notebook.set_cell(1, "")
    notebook.page.evaluate(WATCH)
    notebook.type(1, name, delay_ms=0)
    notebook.page.keyboard.press("(")
    notebook.page.wait_for_function("window.__sig.shownAt !== null", timeout=20_000)
    timing = notebook.page.evaluate("window.__sig")
    notebook.page.keyboard.press("Escape")
    return timing["shownAt"] - timing["keyAt"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    computed, reused = [], []
    with served_chromium() as (browser, base_url):
        page = browser.new_context().new_page()
        notebook = NotebookPage(page, base_url)
        notebook.open(None)
        notebook.set_cell(0, DEFINITIONS)
        notebook.run_cell(0)
        tooltip_ms(notebook, "measure_59")  # the first call warms Jedi's signature path
        for round_ in range(min(args.rounds, 59)):
            computed.append(tooltip_ms(notebook, f"measure_{round_}"))
            reused.append(tooltip_ms(notebook, f"measure_{round_}"))
        notebook.assert_no_errors()
    results = {"computedMs": figures(computed), "reusedMs": figures(reused), "rounds": len(computed)}
    for name, row in (("computed (Jedi)", results["computedMs"]), ("reused (the store's answer)", results["reusedMs"])):
        print(f"signature tooltip after '(', {name}: median {row['median']} ms, p95 {row['p95']} ms, max {row['max']} ms "
              f"(n={row['n']})")
    print(f"results: {write_results('signature', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
