"""A burst of requests while two tabs type, and what it leaves in memory: `python3 build.py bench load`.

Two tabs open one notebook. A burst of `--burst` requests addressed to tab A is committed in tab A
itself (the store hands them to its agent at once) or, with `--from-other-tab`, in tab B (they
then arrive through LiveStore's shared worker, at its pace). Meanwhile a person types in a cell of
each tab. Repeats for `--rounds`. Prints how long until every request was answered (and saved) and how many reached Jedi, and tab A's
JS heap (after a garbage collection), live Pyodide proxies and Python objects before and after.
Writes JSON to bench-results/. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

from _harness import NotebookPage, served_chromium, write_results

# Chromium reports exact heap sizes and lets the page ask for a collection only with these.
MEMORY_FLAGS = ("--js-flags=--expose-gc", "--enable-precise-memory-info")
CELLS = ("burst-a", "burst-b")

SEND_BURST = """({ victim, count, cells, round }) => {
  const { store, schema: { events } } = window.livecomplete
  const now = Date.now()
  for (let start = 0; start < count; start += 500) {
    const batch = []
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const newest = i >= count - cells.length
      const source = newest ? 'import os\\nos.pa' : `x${i} = ${i}\\nx${i}`
      batch.push(events.completionRequested({
        completionId: `burst-${round}-${i}`, cellId: cells[i % cells.length], source, cursorPosition: source.length,
        requestedBy: victim, timestamp: now + i,
      }))
    }
    store.commit(...batch)
  }
}"""
# Raw SQL: a cheap poll that builds no query objects of its own in the page.
ANSWERED = """(round) => window.livecomplete.store.query({
  query: 'SELECT status FROM completionResponses WHERE id LIKE $prefix',
  bindValues: { prefix: `burst-${round}-%` },
}).map(r => r.status)"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="bursts one after another (growth shows)")
    parser.add_argument("--from-other-tab", action="store_true")
    args = parser.parse_args()
    with served_chromium(MEMORY_FLAGS) as (browser, base_url):
        context = browser.new_context()
        notebook_id = f"bench-{uuid.uuid4().hex[:10]}"
        victim = NotebookPage(context.new_page(), base_url)
        victim.open(notebook_id)
        other = NotebookPage(context.new_page(), base_url)
        other.open(notebook_id)
        before = victim.page.evaluate("window.livecomplete.debug.memoryReport()")
        sender = other if args.from_other_tab else victim
        rounds = []
        for round_number in range(1, args.rounds + 1):
            started = time.perf_counter()
            sender.page.evaluate(SEND_BURST, {
                "victim": victim.client_id(), "count": args.burst, "cells": list(CELLS), "round": round_number,
            })
            for tab, module in ((victim, "os"), (other, "sys")):
                tab.set_cell(1, f"import {module}\n")
                tab.type(1, f"{module}.pa")
            for tab in (victim, other):
                tab.wait_for_option("path", timeout_ms=300_000)
                tab.page.keyboard.press("Escape")
            while len(statuses := victim.page.evaluate(ANSWERED, round_number)) < args.burst:
                time.sleep(0.5)
            answered_s = time.perf_counter() - started
            # Until LiveStore's leader has saved them, the page holds the events as pending.
            while not victim.page.evaluate("window.livecomplete.store.syncStatus().isSynced"):
                time.sleep(0.5)
            rounds.append({
                "all_answered_s": round(answered_s, 1),
                "all_saved_s": round(time.perf_counter() - started, 1),
                "computed_by_jedi": statuses.count("success"),
                "answered_superseded": statuses.count("timeout"),
                "memory_after": victim.page.evaluate("window.livecomplete.debug.memoryReport()"),
                "storage_notice": victim.page.evaluate("document.querySelector('#storage-problem')?.textContent ?? null"),
            })
        context.close()

    report = {
        "burst": args.burst,
        "from": "other tab" if args.from_other_tab else "same tab",
        "memory_before": before,
        "rounds": rounds,
    }
    out = write_results("load-burst", report)
    mb = lambda n: f"{n / 2**20:.1f} MB" if n is not None else "n/a"  # noqa: E731
    print(f"bursts of {args.burst} requests from the {report['from']}, two tabs typing")
    print(f"  before: tab A JS heap {mb(before['jsHeapBytes'])}, {before['pythonObjects']:,} Python objects")
    for number, r in enumerate(rounds, 1):
        memory = r["memory_after"]
        print(f"  burst {number}: all answered after {r['all_answered_s']} s ({r['computed_by_jedi']} computed by Jedi, "
              f"{r['answered_superseded']} as superseded), saved after {r['all_saved_s']} s; "
              f"then JS heap {mb(memory['jsHeapBytes'])}, "
              f"{memory['pyProxiesAlive']} live proxies made since the start, {memory['pythonObjects']:,} Python objects")
        if r["storage_notice"]:
            print(f"  storage notice: {r['storage_notice']}")
    print(f"  written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
