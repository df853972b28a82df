"""Completions through the sync backend: `python3 build.py bench sync`.

Starts the sync backend (wrangler on loopback) and a remote kernel, and opens one notebook as two
people (two browser contexts, each with its own OPFS, meeting only through the backend). For each
completion point, Alice types it at a human pace, then Bob types the same keys in the same cell.
Each request's round trip (the page commits the request -> the page sees the answer) is split by
how the remote kernel answered it: `computed` by Jedi, or `reused` from an identical earlier
request (the cache shared between people; the pages' answers from the store, which spare even
the request, are turned off here), and by layer: page commit -> the kernel saw it (the page's
store, the backend, the kernel's store), held by the kernel, the kernel's commit -> the page saw
it (the way back). Each round runs once per kind of completion store in the pages (`--stores`:
OPFS, or in memory: `syncedCompletionsInMemory`). Prints median / p95 / max per kind over
`--rounds` (each a fresh notebook), and the kernel's computations; writes JSON to bench-results/.
Asserts nothing about time.
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


STORES = {"opfs": {}, "memory": {"syncedCompletionsInMemory": 1}}
LAYERS = ("up", "held", "down")


def layers(timing: dict, answer: dict) -> dict[str, float] | None:
    """One round trip split: {up: page commit -> kernel saw it, held: by the kernel, down:
    kernel's commit -> page saw it}, from the page's timings row and the kernel's log line."""
    if None in (timing.get("answeredAt"), timing.get("roundTripMs"), answer.get("loggedAt"), answer.get("heldMs")):
        return None
    committed = timing["answeredAt"] - timing["roundTripMs"]
    kernel_saw = answer["loggedAt"] - answer["heldMs"]
    return {"up": kernel_saw - committed, "held": answer["heldMs"], "down": timing["answeredAt"] - answer["loggedAt"]}


def one_round(browser, base_url: str, backend: SyncBackend, store_options: dict) -> dict:
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
            notebook.open(notebook_id, {"reuseStoredAnswers": 0, **store_options}, sync=backend.url,
                          token=backend.token(notebook_id, "write"))
            notebook.page.wait_for_function(f"window.livecomplete.remoteKernel === {kernel.kernel_id!r}", timeout=30_000)
            people.append(notebook)
        for setup, keys, option in POINTS:
            for notebook in people:
                type_point(notebook, 1, setup, keys, option)
        for notebook in people:
            notebook.wait_until_all_answered(60_000)
        answers = {a["id"]: a for a in kernel.answers()}
        kinds: dict[str, list[float]] = {"computed": [], "reused": []}
        split: dict[str, list[float]] = {layer: [] for layer in LAYERS}
        for notebook in people:
            for row in notebook.page.evaluate("window.livecomplete.debug.timings()"):
                answer = answers.get(row["completionId"])
                if answer is None or answer["how"] not in kinds or "roundTripMs" not in row:
                    continue
                kinds[answer["how"]].append(row["roundTripMs"])
                for layer, ms in (layers(row, answer) or {}).items():
                    split[layer].append(ms)
        return {"notebook": notebook_id, "computations": kernel.computations(), "answers": len(answers),
                **kinds, "layers": split}
    finally:
        for context in contexts:
            context.close()
        kernel.stop(signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--stores", default="opfs,memory", help="completion stores to compare (default: opfs,memory)")
    args = parser.parse_args()
    stores = [name.strip() for name in args.stores.split(",") if name.strip()]
    unknown = [name for name in stores if name not in STORES]
    if unknown or not stores:
        parser.error(f"--stores takes a comma-separated list of {', '.join(STORES)}")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as state, served_chromium() as (browser, base_url):
        backend = SyncBackend(Path(state))
        backend.start()
        try:
            rounds: dict[str, list[dict]] = {name: [] for name in stores}
            for number in range(1, args.rounds + 1):
                for name in stores:  # alternated, so that a slow minute of the machine hits both
                    result = one_round(browser, base_url, backend, STORES[name])
                    rounds[name].append(result)
                    print(f"round {number}, store in {name}: {result['answers']} answers, "
                          f"{result['computations']} computations; computed {figures(result['computed'])}, "
                          f"reused {figures(result['reused'])}", flush=True)
        finally:
            backend.stop()
    for name in stores:
        summary = {kind: figures([ms for r in rounds[name] for ms in r[kind]]) for kind in ("computed", "reused")}
        summary["layers"] = {layer: figures([ms for r in rounds[name] for ms in r["layers"][layer]]) for layer in LAYERS}
        results[name] = {"rounds": rounds[name], "summary": summary}
    print("\nrequest committed -> answer seen by the page, through the sync backend (ms):")
    print(f"  {'store':<8}{'kind':<34}{'n':>5}{'median':>9}{'p95':>9}{'max':>9}")
    labels = (("computed", "remote kernel (Jedi)"), ("reused", "shared-cache hit (no Jedi)"),
              *((f"layers.{layer}", f"  {label}") for layer, label in zip(LAYERS, (
                  "page commit -> kernel saw it", "held by the kernel", "kernel commit -> page saw it"))))
    for name in stores:
        for key, label in labels:
            summary = results[name]["summary"]
            f = summary["layers"][key.split(".")[1]] if key.startswith("layers.") else summary[key]
            if f:
                print(f"  {name:<8}{label:<34}{f['n']:>5}{f['median']:>9}{f['p95']:>9}{f['max']:>9}")
    out = write_results("sync", {"points": len(POINTS), "stores": results})
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
