"""Completions through the sync backend: `python3 build.py bench sync`.

Starts the sync backend (wrangler on loopback) and a remote kernel, and opens one notebook as two
people (two browser contexts, each with its own OPFS, meeting only through the backend). For each
completion point, Alice types it at a human pace, then Bob types the same keys in the same cell.
Each request's round trip (the page commits the request -> the page sees the answer) is split by
how the remote kernel answered it: `computed` by Jedi, or `reused` from an identical earlier
request (the cache shared between people; the pages' answers from the store, which spare even
the request, are turned off here). Prints median / p95 / max per kind over `--rounds`
(each a fresh notebook), and the kernel's computations; writes JSON to bench-results/. Asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import uuid
from pathlib import Path

from _harness import NotebookPage, figures, served_chromium, write_results
from sync_services import RemoteKernelProcess, SyncBackend

# (cell set-up, keys typed, an option the popup must show)
POINTS = [
    ("import os\n", "os.pa", "path"),
    ("import collections\n", "collections.Ord", "OrderedDict"),
    ("import json\n", "json.du", "dumps"),
    ("import re\n", "re.comp", "compile"),
    ("import sys\n", "sys.ver", "version"),
    ("import math\n", "math.sq", "sqrt"),
    ("import itertools\n", "itertools.chai", "chain"),
    ("import string\n", "string.asc", "ascii_letters"),
    ("values = [3, 1, 2]\n", "values.so", "sort"),
    ("text = 'abc'\n", "text.up", "upper"),
]


def type_point(notebook: NotebookPage, cell: int, setup: str, keys: str, option: str) -> None:
    notebook.set_cell(cell, setup)
    notebook.type(cell, keys)
    notebook.wait_for_option(option)
    notebook.page.keyboard.press("Escape")


def one_round(browser, base_url: str, backend: SyncBackend) -> dict:
    notebook_id = f"bench-sync-{uuid.uuid4().hex[:8]}"
    kernel = RemoteKernelProcess(notebook_id, backend.url, f"kernel-{uuid.uuid4().hex[:6]}",
        token=backend.token(notebook_id, "kernel"))
    contexts = []
    try:
        people = []
        for _ in range(2):
            context = browser.new_context()
            contexts.append(context)
            notebook = NotebookPage(context.new_page(), base_url)
            # Pages answer an identical request from the store without asking at all (see
            # `reuseStoredAnswers`); turned off here so that Bob's requests reach the kernel and
            # its own shared cache is what is measured.
            notebook.open(notebook_id, {"reuseStoredAnswers": 0}, sync=backend.url, token=backend.token(notebook_id, "write"))
            notebook.page.wait_for_function(f"window.livecomplete.remoteKernel === {kernel.kernel_id!r}", timeout=30_000)
            people.append(notebook)
        for setup, keys, option in POINTS:
            for notebook in people:
                type_point(notebook, 1, setup, keys, option)
        for notebook in people:
            notebook.wait_until_all_answered(60_000)
        how = {a["id"]: a["how"] for a in kernel.answers()}
        kinds: dict[str, list[float]] = {"computed": [], "reused": []}
        for person, notebook in zip(("alice", "bob"), people):
            for row in notebook.page.evaluate("window.livecomplete.debug.timings()"):
                kind = how.get(row["completionId"])
                if kind in kinds and "roundTripMs" in row:
                    kinds[kind].append(row["roundTripMs"])
        return {"notebook": notebook_id, "computations": kernel.computations(), "answers": len(how), **kinds}
    finally:
        for context in contexts:
            context.close()
        kernel.stop(signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state, served_chromium() as (browser, base_url):
        backend = SyncBackend(Path(state))
        backend.start()
        try:
            rounds = []
            for number in range(1, args.rounds + 1):
                result = one_round(browser, base_url, backend)
                rounds.append(result)
                print(f"round {number}: {result['answers']} answers, {result['computations']} computations; "
                      f"computed {figures(result['computed'])}, reused {figures(result['reused'])}", flush=True)
        finally:
            backend.stop()
    summary = {kind: figures([ms for r in rounds for ms in r[kind]]) for kind in ("computed", "reused")}
    print("\nrequest committed -> answer seen by the page, through the sync backend (ms):")
    print(f"  {'kind':<28}{'n':>5}{'median':>9}{'p95':>9}{'max':>9}")
    for kind, label in (("computed", "remote kernel (Jedi)"), ("reused", "shared-cache hit (no Jedi)")):
        f = summary[kind]
        if f:
            print(f"  {label:<28}{f['n']:>5}{f['median']:>9}{f['p95']:>9}{f['max']:>9}")
    out = write_results("sync", {"points": len(POINTS), "rounds": rounds, "summary": summary})
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
