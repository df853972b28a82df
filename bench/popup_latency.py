"""Keystroke -> popup latency on the real page: `python3 build.py bench latency [--runs N]`.

Each run opens a new notebook in headless Chromium, runs a setup cell, then visits a fixed corpus
of completion points (stdlib modules and attributes, names from the run cell, attributes of user
objects, imports, keyword arguments, a long cell, a dot or a word's first letter as the last
key). At each point it types the text before the last
key at a human pace (100 ms per key) and times, inside the page, from the last key's keydown to
the moment the expected option is in the popup's DOM. Each point is sorted by what answered it:

- computed: the last key sent a new request, answered by the kernel (Jedi);
- reused: the answer to a request sent earlier in the same word (at its first letter or a dot),
  narrowed by the page, or the store's answer to the same request (`reuseStoredAnswers`), with no
  new request;
- refiltered: CodeMirror narrowed the list already on screen (`validFor`); no query at all.

Also: page open -> first completion (from navigation to the option in the popup's DOM, timed in
the page), cold (a new browser profile) and warm (the same notebook
reopened in that profile), typing once the page says it is ready, and warm typing at once (as soon
as the editor takes keys). Each run has its own profile on disk, as a person's browser has (HTTP
cache and compiled code kept); `--incognito` runs in incognito contexts instead, which keep no
compiled WebAssembly; per request, Jedi's time in the worker, the kernel call, and the store's overhead
(commit -> answer seen, minus the kernel call); store bytes per event; JS heap and the kernel's
WebAssembly memory after the session. Prints a summary, writes JSON to bench-results/ and draws a
PNG chart of the distributions next to it. `--options '{"reuseAnswers": 0}'` measures with a
lever turned off. A benchmark, not a test: it asserts no timings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
import uuid

from _harness import NotebookPage, figures, new_profile, served_chromium, write_results

HUMAN_KEY_DELAY_MS = 100
SETUP_CELL = '''import collections, json, os, re
data = {"alpha": 1, "beta": 2}
numbers = [3, 1, 2]
total_count = 3

class Account:
    def __init__(self, owner):
        self.owner = owner
        self.balance = 0

    def deposit(self, amount):
        self.balance += amount

account = Account("ada")

def greet(name, greeting="hello", punctuation="!"):
    return f"{greeting} {name}{punctuation}"
'''
# 200 lines of ordinary code above the point: parsing cost grows with the cell.
LONG_CELL = "".join(f"def helper_{i}(value):\n    return value * {i}\n\n" for i in range(66)) + "import os\n"

# (text already in the cell, text typed key by key, option that must appear)
POINTS = [
    ("import os\n", "os.pa", "path"),
    ("import os\n", "os.path.jo", "join"),
    ("import os\n", "os.getc", "getcwd"),
    ("import os\n", "os.env", "environ"),
    ("import json\n", "json.du", "dumps"),
    ("import json\n", "json.lo", "loads"),
    ("import collections\n", "collections.Or", "OrderedDict"),
    ("import collections\n", "collections.defa", "defaultdict"),
    ("import re\n", "re.comp", "compile"),
    ("import re\n", "re.IGN", "IGNORECASE"),
    ("import math\n", "math.sq", "sqrt"),
    ("import itertools\n", "itertools.cha", "chain"),
    ("import functools\n", "functools.lru", "lru_cache"),
    ("import sys\n", "sys.pla", "platform"),
    ("", "data.ke", "keys"),
    ("", "data.ite", "items"),
    ("", "account.dep", "deposit"),
    ("", "account.bal", "balance"),
    ("", "account.ow", "owner"),
    ("", "numbers.app", "append"),
    ("", "numbers.so", "sort"),
    ("", "tot", "total_count"),
    ("", "gre", "greet"),
    ("", "Acc", "Account"),
    ("", "isinst", "isinstance"),
    ("", "import coll", "collections"),
    ("", "from os.path import jo", "join"),
    ("", "from collections import Cou", "Counter"),
    ("", "greet('ada', punc", "punctuation="),
    ("", "open('x', encod", "encoding="),
    ('snake = "🐍"\n', "snake.up", "upper"),
    ("text = 'abc'\n", "text.spl", "split"),
    (LONG_CELL, "os.pa", "path"),
    # The last key starts a word or follows a dot: a new request, answered by Jedi.
    ("import json\n", "json.", "dumps"),
    ("", "account.", "deposit"),
    ("import math\n", "math.", "ceil"),
    ("", "x = t", "total_count"),
    ("", "print(g", "greet"),
]
KINDS = ("computed", "reused", "refiltered")
MARKS = ("python-started", "store-opened", "kernel-launched", "kernel-ready", "popup shown")
CHROMIUM_FLAGS = ("--js-flags=--expose-gc", "--enable-precise-memory-info")

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
# Requests for the text as it is (not those describing a highlighted option), and source queries.
COUNTS = """(source) => ({
  requests: window.livecomplete.debug.storedEvents().requests.filter(r => r.source === source).length,
  queries: window.livecomplete.debug.queriesStarted })"""


def measure_point(notebook: NotebookPage, before: str, typed: str, expected: str) -> dict:
    """Latency of the last key, and what answered it (see the module's docstring)."""
    notebook.set_cell(1, before)
    notebook.type(1, typed[:-1], delay_ms=HUMAN_KEY_DELAY_MS)
    notebook.page.wait_for_timeout(HUMAN_KEY_DELAY_MS)
    notebook.page.evaluate(ARM_PROBE, expected)
    counted = notebook.page.evaluate(COUNTS, before + typed)
    notebook.page.keyboard.press(typed[-1])
    latency = notebook.page.evaluate("window.__latency")
    now = notebook.page.evaluate(COUNTS, before + typed)
    if now["requests"] > counted["requests"]:
        kind = "computed"
    elif now["queries"] > counted["queries"]:
        kind = "reused"
    else:
        kind = "refiltered"
    notebook.page.keyboard.press("Escape")
    return {"point": f"{before.strip()[-30:]} | {typed}", "ms": latency, "kind": kind}


def first_completion_s(notebook: NotebookPage, notebook_id: str, options: dict, *, at_once: bool = False) -> dict:
    """Seconds from navigation to the first popup (os.pa -> path), seen in the page as the option
    shows (Playwright's own wait polls up to 500 ms apart); whether it started from snapshots;
    and when (ms after navigation) the page's start marks and the popup came.

    By default the person waits until the page says it is ready, then types. `at_once`: they
    click into the cell and type as soon as the editor is there, as people do."""
    opened = time.perf_counter()
    notebook.open(notebook_id, options, wait_ready=not at_once)
    notebook.watch_popup(1, "import os\nos.pa", "path")
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa", delay_ms=HUMAN_KEY_DELAY_MS)
    notebook.wait_for_option("path", timeout_ms=60_000)
    seen_by_wait_s = time.perf_counter() - opened  # what this benchmark reported until 2026-11-26
    popup_ms = notebook.popup_shown_at()
    notebook.page.keyboard.press("Escape")
    notebook.wait_ready()
    starts = notebook.starts()
    marks = {**notebook.start_marks(), "popup shown": popup_ms}
    return {
        "first_s": popup_ms / 1000,
        "seen_by_wait_s": seen_by_wait_s,
        "restored": starts["page"]["restored"] and starts["kernel"]["restored"],
        "marks_ms": {mark: round(ms) for mark, ms in marks.items()},
    }


def one_run(browser, base_url: str, options: dict, incognito: bool) -> dict:
    with contextlib.closing(browser.new_context()) if incognito else new_profile(browser, CHROMIUM_FLAGS) as context:
        return run_in(context, base_url, options)


def run_in(context, base_url: str, options: dict) -> dict:
    notebook_id = f"bench-{uuid.uuid4().hex[:10]}"
    notebook = NotebookPage(context.new_page(), base_url)
    cold = first_completion_s(notebook, notebook_id, options)
    notebook.set_cell(0, SETUP_CELL)
    notebook.run_cell(0)
    points = [measure_point(notebook, *point) for point in POINTS]
    page = notebook.page
    timings = page.evaluate("window.livecomplete.debug.timings()")
    events = page.evaluate("(() => { const e = window.livecomplete.debug.storedEvents(); "
                           "return e.requests.length + e.responses.length })()")
    store_bytes = page.evaluate("window.livecomplete.storageReport()")["storeBytes"]
    memory = page.evaluate("window.livecomplete.debug.memoryReport()")
    kernel_memory = page.evaluate("window.livecomplete.kernel.memory()")
    page.close()
    # The same notebook again, in the same profile: HTTP cache, OPFS store and Jedi warm-up paid once.
    visits = []
    for at_once in (False, True):
        visit = NotebookPage(context.new_page(), base_url)
        visits.append(first_completion_s(visit, notebook_id, options, at_once=at_once))
        visit.page.close()
    warm, warm_at_once = visits
    return {
        "cold_first_completion_s": cold["first_s"],
        "warm_first_completion_s": warm["first_s"],
        "warm_typing_at_once_s": warm_at_once["first_s"],
        "first_completion_seen_by_wait_s": {"cold": cold["seen_by_wait_s"], "warm": warm["seen_by_wait_s"],
                                             "warm_at_once": warm_at_once["seen_by_wait_s"]},
        "started_from_snapshots": cold["restored"] and warm["restored"] and warm_at_once["restored"],
        "warm_at_once_marks_ms": warm_at_once["marks_ms"],
        "points": points,
        "timings": timings,
        "store_bytes_per_event": round(store_bytes / events) if store_bytes and events else None,
        "js_heap_bytes": memory["jsHeapBytes"],
        "kernel_wasm_bytes": kernel_memory["wasmBytes"],
    }


def summarize(runs: list[dict]) -> dict:
    def latencies(kind: str | None = None) -> list[float]:
        return [p["ms"] for run in runs for p in run["points"]
                if p["ms"] is not None and (kind is None or p["kind"] == kind)]

    timings = [t for run in runs for t in run["timings"]]
    computed = [t for t in timings if "kernelMs" in t and "roundTripMs" in t]  # incl. describing options
    return {
        "runs": len(runs),
        "points_per_run": len(POINTS),
        "all_points_ms": figures(latencies()),
        **{f"{kind}_ms": figures(latencies(kind)) for kind in KINDS},
        "cold_first_completion_ms": figures([r["cold_first_completion_s"] * 1000 for r in runs]),
        "warm_first_completion_ms": figures([r["warm_first_completion_s"] * 1000 for r in runs]),
        "warm_typing_at_once_ms": figures([r["warm_typing_at_once_s"] * 1000 for r in runs]),
        "first_completion_seen_by_wait_ms": {
            visit: figures([r["first_completion_seen_by_wait_s"][visit] * 1000 for r in runs])
            for visit in ("cold", "warm", "warm_at_once")},
        "started_from_snapshots": all(r["started_from_snapshots"] for r in runs),
        "warm_at_once_marks_ms": {
            mark: statistics.median(r["warm_at_once_marks_ms"][mark] for r in runs) for mark in MARKS},
        "jedi_ms": figures([t["jediMs"] for t in timings if "jediMs" in t]),
        "kernel_call_ms": figures([t["kernelMs"] for t in computed]),
        "store_overhead_ms": figures([t["roundTripMs"] - t["kernelMs"] for t in computed]),
        "store_bytes_per_event": statistics.median(r["store_bytes_per_event"] for r in runs),
        "js_heap_mb": round(statistics.median(r["js_heap_bytes"] for r in runs) / 2**20, 1),
        "kernel_wasm_mb": round(statistics.median(r["kernel_wasm_bytes"] for r in runs) / 2**20, 1),
        "missed": sum(p["ms"] is None for run in runs for p in run["points"]),
    }


def draw_chart(runs: list[dict], path, title: str) -> None:
    """Latency distributions per kind, one dot per point, on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {kind: [p["ms"] for run in runs for p in run["points"] if p["kind"] == kind and p["ms"]] for kind in KINDS}
    series["first (cold)"] = [r["cold_first_completion_s"] * 1000 for r in runs]
    series["first (warm)"] = [r["warm_first_completion_s"] * 1000 for r in runs]
    series["first (warm, typing at once)"] = [r["warm_typing_at_once_s"] * 1000 for r in runs]
    labels = [k for k, v in series.items() if v]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=110)
    axes.boxplot([series[k] for k in labels], orientation="horizontal", showfliers=False, widths=0.5)
    for row, label in enumerate(labels, 1):
        values = series[label]
        jitter = [row + 0.18 * ((i * 7919) % 11 - 5) / 5 for i in range(len(values))]
        axes.scatter(values, jitter, s=10, alpha=0.6)
    axes.set_yticks(range(1, len(labels) + 1), [f"{k} (n={len(series[k])})" for k in labels])
    axes.set_xscale("log")
    axes.set_xlabel("ms from keystroke (or page open) to the right option in the popup")
    for target, text in ((16, "one frame"), (100, "100 ms")):
        axes.axvline(target, color="grey", linestyle=":", linewidth=1)
        axes.text(target, len(labels) + 0.4, f" {text}", fontsize=7, color="grey", ha="left", va="center")
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--options", default="{}", help='page options as JSON, e.g. \'{"reuseAnswers": 0}\'')
    parser.add_argument("--label", default="", help="a name for this configuration in the output")
    parser.add_argument("--incognito", action="store_true",
                        help="incognito browser contexts (no compiled code kept between visits)")
    args = parser.parse_args()
    options = json.loads(args.options)
    with served_chromium(CHROMIUM_FLAGS) as (browser, base_url):
        runs = []
        for number in range(1, args.runs + 1):
            runs.append(one_run(browser, base_url, options, args.incognito))
            print(f"  run {number}/{args.runs} done", flush=True)
    report = summarize(runs)
    report["options"] = options
    report["profiles"] = "incognito" if args.incognito else "on disk"
    out = write_results(f"popup-latency{'-' + args.label if args.label else ''}", {"report": report, "runs": runs})
    chart = out.with_suffix(".png")
    draw_chart(runs, chart, f"keystroke -> popup, {args.runs} runs x {len(POINTS)} points {args.label}".strip())

    print(f"keystroke -> popup with the right option, {args.runs} runs x {len(POINTS)} points, options {options}, "
          f"browser profiles {report['profiles']}")
    print(f"  {'':28} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8}")
    for key in ("all_points_ms", *(f"{k}_ms" for k in KINDS), "cold_first_completion_ms",
                "warm_first_completion_ms", "warm_typing_at_once_ms", "jedi_ms", "kernel_call_ms", "store_overhead_ms"):
        row = report[key]
        if row:
            print(f"  {key:28} {row['n']:>4} {row['median']:>8} {row['p95']:>8} {row['max']:>8}")
        else:
            print(f"  {key:28} {'-':>4}")
    print(f"  store bytes per event: {report['store_bytes_per_event']}; JS heap {report['js_heap_mb']} MB; "
          f"kernel wasm memory {report['kernel_wasm_mb']} MB; missed {report['missed']}; "
          f"started from snapshots: {report['started_from_snapshots']}")
    marks = ", ".join(f"{mark} {ms:.0f}" for mark, ms in report["warm_at_once_marks_ms"].items())
    print(f"  warm, typing at once, medians in ms after navigation: {marks}")
    seen = ", ".join(f"{visit} {row['median']:.0f}" for visit, row in report["first_completion_seen_by_wait_ms"].items())
    print(f"  first completions as Playwright's polling wait saw them (p50 ms; reported until 2026-11-26): {seen}")
    print(f"  written to {out} and {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
