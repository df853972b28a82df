"""Keystroke -> popup latency on the real page: `python3 build.py bench [--runs N]`.

Each run opens a new notebook in headless Chromium, waits for the kernel, runs one cell, then
visits a fixed set of completion points: it types the text before the last key at a human pace
(100 ms per key) and times, inside the page, from the last key's keydown to the moment the
expected option is in the popup's DOM. Prints median / p95 / max, writes JSON to bench-results/.
A benchmark, not a test: it asserts no timings.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

from _harness import NotebookPage, figures, served_chromium, write_results

HUMAN_KEY_DELAY_MS = 100
# (text already in the cell, text typed key by key, option that must appear)
POINTS = [
    ("import os\n", "os.pa", "path"),
    ("import os\n", "os.path.jo", "join"),
    ("", "data.ke", "keys"),
    ("total_count = 3\n", "tot", "total_count"),
    ("import collections\n", "collections.Or", "OrderedDict"),
    ('snake = "🐍"\n', "snake.up", "upper"),
    ("", "pri", "print"),
    ("import json\n", "json.du", "dumps"),
]
SETUP_CELL = 'data = {"a": 1}'

# Armed before the last key: resolves with ms from that key's keydown to the option in the DOM.
ARM_PROBE = """expected => {
  window.__latency = new Promise((resolve) => {
    let pressedAt = null
    document.addEventListener('keydown', () => { pressedAt = performance.now() }, { capture: true, once: true })
    const shown = () => [...document.querySelectorAll('.cm-tooltip-autocomplete .cm-completionLabel')]
      .some((label) => label.textContent === expected)
    const observer = new MutationObserver(() => {
      if (pressedAt !== null && shown()) { observer.disconnect(); resolve(performance.now() - pressedAt) }
    })
    observer.observe(document.body, { subtree: true, childList: true, characterData: true })
    setTimeout(() => { observer.disconnect(); resolve(null) }, 20000)
  })
}"""


COUNT_REQUESTS = "window.livecomplete.storedEvents().requests.length"


def measure_point(notebook: NotebookPage, before: str, typed: str, expected: str) -> dict:
    """Latency of the last key, and whether it needed a new request (computed) or not (refiltered)."""
    notebook.set_cell(1, before)
    notebook.type(1, typed[:-1], delay_ms=HUMAN_KEY_DELAY_MS)
    notebook.page.wait_for_timeout(HUMAN_KEY_DELAY_MS)
    notebook.page.evaluate(ARM_PROBE, expected)
    requests_before = notebook.page.evaluate(COUNT_REQUESTS)
    notebook.page.keyboard.press(typed[-1])
    latency = notebook.page.evaluate("window.__latency")
    computed = notebook.page.evaluate(COUNT_REQUESTS) > requests_before
    notebook.page.keyboard.press("Escape")
    return {"ms": latency, "kind": "computed" if computed else "refiltered"}


def one_run(browser, base_url: str) -> dict:
    context = browser.new_context()
    notebook = NotebookPage(context.new_page(), base_url)
    opened = time.perf_counter()
    notebook.open(f"bench-{uuid.uuid4().hex[:10]}")
    ready_s = time.perf_counter() - opened
    notebook.set_cell(0, SETUP_CELL)
    notebook.run_cell(0)
    points = [measure_point(notebook, *point) for point in POINTS]
    context.close()
    return {"ready_s": ready_s, "points": points}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with served_chromium() as (browser, base_url):
        runs = [one_run(browser, base_url) for _ in range(args.runs)]

    def latencies(points, kind=None):
        return [p["ms"] for p in points if p["ms"] is not None and (kind is None or p["kind"] == kind)]

    later = [p for run in runs for p in run["points"][1:]]
    report = {
        "runs": args.runs,
        "page_open_to_ready_ms": figures([run["ready_s"] * 1000 for run in runs]),
        "first_completion_ms": figures(latencies([run["points"][0] for run in runs])),
        "later_computed_ms": figures(latencies(later, "computed")),
        "later_refiltered_ms": figures(latencies(later, "refiltered")),
        "per_point_median_ms": {
            f"{before.strip()} | {typed}": (figures(latencies([run["points"][i] for run in runs])) or {}).get("median")
            for i, (before, typed, _) in enumerate(POINTS)
        },
        "missed": sum(p["ms"] is None for run in runs for p in run["points"]),
    }
    out = write_results("popup-latency", {"report": report, "runs": runs})

    print(f"keystroke -> popup with the right option, {args.runs} runs x {len(POINTS)} points")
    for key in ("page_open_to_ready_ms", "first_completion_ms", "later_computed_ms", "later_refiltered_ms"):
        print(f"  {key:24} {report[key]}")
    for point, median in report["per_point_median_ms"].items():
        print(f"    {point!r:42} median {median} ms")
    print(f"  missed (no popup in 20 s): {report['missed']}")
    print(f"  written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
