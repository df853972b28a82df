"""Where a revisited notebook's start goes: `python3 build.py bench start [--visits N]`.

Opens a notebook in a new browser profile on disk, completes `os.pa` there once and leaves (the
store, the HTTP cache and the compiled code are then warm), then reopens it N times with
Chromium's tracing on, the person typing `os.pa` at once. Per visit it reports when the page's
start marks, the first key and the popup came (ms after navigation), and how long each thread was
busy until the popup: the page's main thread, LiveStore's shared and leader workers, the kernel
worker, and V8's background threads (WebAssembly tier-up, garbage collection), as the wall time
of the trace's top-level tasks. That includes time a task waited for one of the 2 cores, so the
rows can add up to more than 2 x the time to the popup; the CPU time of the same tasks is
reported next to it, and the CPU time V8 spent re-optimizing the WebAssembly that got hot
(Pyodide's, SQLite's). The popup is timed in the page, when the option shows. Prints the
medians, writes JSON to bench-results/. A benchmark: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import uuid
from collections import defaultdict

from _harness import NotebookPage, new_profile, served_chromium, write_results

TRACE_CATEGORIES = ["toplevel", "devtools.timeline", "blink.user_timing", "v8", "v8.wasm"]
# Top-level tasks of a thread: nested ones are skipped, so no time is counted twice.
TOP_LEVEL = {"ThreadControllerImpl::RunTask", "RunTask", "ThreadPool_RunTask"}
# Which of the page's workers a worker thread runs, by its script (Vite names them after the file).
WORKER_ROLES = (("make-shared-worker", "LiveStore shared worker"), ("livestore.worker", "LiveStore leader worker"),
                ("kernel.worker", "kernel worker"))
ROLES = ("main thread", "LiveStore shared worker", "LiveStore leader worker", "kernel worker", "V8 background")
MARKS = ("python-started", "store-opened", "kernel-launched", "first key", "popup shown", "kernel-ready")
FIRST_KEY = """document.addEventListener('keydown', (e) => {
  if (e.key === 'o' && window.__firstKey === undefined) window.__firstKey = performance.now()
}, true)"""


def traced_visit(context, base_url: str, notebook_id: str) -> dict:
    """One revisit typing at once, traced: {marks_ms, busy_ms per role}."""
    page = context.new_page()
    page.add_init_script(FIRST_KEY)
    session = context.new_cdp_session(page)
    session.send("Tracing.start", {"traceConfig": {"includedCategories": TRACE_CATEGORIES},
                                   "transferMode": "ReturnAsStream"})
    notebook = NotebookPage(page, base_url)
    notebook.open(notebook_id, wait_ready=False)
    notebook.watch_popup(1, "import os\nos.pa", "path")
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path", timeout_ms=60_000)
    popup_ms = notebook.popup_shown_at()
    events = read_trace(page, session)
    notebook.wait_ready()
    first_key = page.evaluate("window.__firstKey ?? null")
    marks = {**notebook.start_marks(), "first key": first_key, "popup shown": popup_ms}
    page.close()
    return {"marks_ms": {k: round(v) for k, v in marks.items() if v is not None},
            **thread_times(events, marks["python-started"], popup_ms)}


def read_trace(page, session) -> list[dict]:
    stream = {}
    session.on("Tracing.tracingComplete", lambda event: stream.setdefault("handle", event["stream"]))
    session.send("Tracing.end")
    while "handle" not in stream:
        page.wait_for_timeout(50)
    chunks = []
    while True:
        chunk = session.send("IO.read", {"handle": stream["handle"], "size": 1 << 22})
        chunks.append(chunk["data"])
        if chunk.get("eof"):
            break
    session.send("IO.close", {"handle": stream["handle"]})
    data = json.loads("".join(chunks))
    return data["traceEvents"] if isinstance(data, dict) else data


def thread_times(events: list[dict], python_started_ms: float, popup_ms: float) -> dict:
    """From navigation to the popup: per role, ms of top-level tasks (`busy_ms`, wall time) and
    the CPU time they used (`cpu_ms`; a task cut by the window counts in proportion); and the CPU
    time V8 spent optimizing WebAssembly (`wasm_top_tier_cpu_ms`: functions that got hot, tiered
    up by TurboFan in the background). The trace's clock is placed on the page's by the
    python-started mark, which both record."""
    mark = next(e for e in events if e.get("name") == "livecomplete:python-started")
    navigation_us = mark["ts"] - python_started_ms * 1000
    popup_us = navigation_us + popup_ms * 1000
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    renderer = mark["pid"]
    roles = {}
    for event in events:  # a worker thread compiles its own script first
        if event.get("pid") == renderer and event.get("name") == "v8.compileModule":
            script = str(event.get("args", {}).get("fileName", ""))
            for part, role in WORKER_ROLES:
                if part in script:
                    roles.setdefault((renderer, event["tid"]), role)
    for thread, name in names.items():
        if thread[0] == renderer and name == "CrRendererMain":
            roles[thread] = "main thread"
        elif thread[0] == renderer and name.startswith("ThreadPool"):
            roles[thread] = "V8 background"
    busy: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    ends: dict[tuple, float] = {}
    tasks = sorted((e for e in events if e.get("ph") == "X" and e.get("name") in TOP_LEVEL and "dur" in e),
                   key=lambda e: e["ts"])
    for task in tasks:
        thread = (task["pid"], task["tid"])
        role = roles.get(thread)
        start, end = max(task["ts"], navigation_us), min(task["ts"] + task["dur"], popup_us)
        if role is None or end <= start or task["ts"] < ends.get(thread, 0):
            continue  # another thread, outside the window, or nested in a task already counted
        ends[thread] = task["ts"] + task["dur"]
        busy[role] += (end - start) / 1000
        cpu[role] += task.get("tdur", 0) * (end - start) / max(task["dur"], 1) / 1000
    top_tier = sum(e.get("tdur", 0) for e in events
                   if e.get("name") == "wasm.TopTierCompilation" and e.get("pid") == renderer
                   and navigation_us <= e.get("ts", 0) < popup_us) / 1000
    return {"busy_ms": {role: round(busy[role]) for role in ROLES},
            "cpu_ms": {role: round(cpu[role]) for role in ROLES},
            "wasm_top_tier_cpu_ms": round(top_tier)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=5)
    args = parser.parse_args()
    with served_chromium() as (browser, base_url), new_profile(browser) as context:
        notebook_id = f"bench-{uuid.uuid4().hex[:10]}"
        first = NotebookPage(context.new_page(), base_url)
        first.open(notebook_id)
        first.set_cell(1, "import os\n")
        first.type(1, "os.pa")
        first.wait_for_option("path", timeout_ms=60_000)
        first.wait_until_all_answered()
        first.wait_until_saved()
        first.page.close()
        visits = []
        for number in range(1, args.visits + 1):
            visits.append(traced_visit(context, base_url, notebook_id))
            print(f"  visit {number}/{args.visits} done", flush=True)
    medians = {
        "marks_ms": {m: statistics.median(v["marks_ms"][m] for v in visits) for m in MARKS
                     if all(m in v["marks_ms"] for v in visits)},
        "busy_ms": {r: statistics.median(v["busy_ms"][r] for v in visits) for r in ROLES},
        "cpu_ms": {r: statistics.median(v["cpu_ms"][r] for v in visits) for r in ROLES},
        "wasm_top_tier_cpu_ms": statistics.median(v["wasm_top_tier_cpu_ms"] for v in visits),
    }
    out = write_results("start-trace", {"medians": medians, "visits": visits})
    print(f"a revisited notebook, typing at once: medians of {args.visits} traced visits (profile on disk)")
    print("  ms after navigation: " + ", ".join(f"{m} {ms:.0f}" for m, ms in medians["marks_ms"].items()))
    print("  ms busy until the popup: " + ", ".join(f"{r} {ms:.0f}" for r, ms in medians["busy_ms"].items()))
    print("  of which CPU ms: " + ", ".join(f"{r} {ms:.0f}" for r, ms in medians["cpu_ms"].items()))
    print(f"  CPU ms V8 spent optimizing WebAssembly that got hot (TurboFan): {medians['wasm_top_tier_cpu_ms']:.0f}")
    print(f"  written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
