"""Two people typing through a remote kernel for a minute: does the kernel keep answering?

`python3 build.py bench typists [--seconds 60] [--rounds 1]`. Each round starts a remote kernel
on a fresh notebook, opens two people (browser contexts of their own) synced through wrangler on
loopback, and has them type ordinary code in turn, a key every 150-250 ms each, Enter at line
ends. It reports what the issue of the silent stall asks about (docs/sync.md#the-silent-stall):
requests that reached the backend, how many the remote kernel answered and how many a page's own
kernel did, the longest the kernel went without answering while people typed, and how often a
store stopped syncing and was started afresh (kernel and pages).
"""

from __future__ import annotations

import argparse
import datetime
import random
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _harness import NotebookPage, served_chromium, write_results
from notebook_page import COUNT_COMMITS
from sync_services import RemoteKernelProcess, SyncBackend

TYPED = (
    "import os\nimport json\npath = os.path.join('a', 'b')\n"
    "text = json.dumps({'k': 1})\nparts = text.split(',')\nlen(parts)\n"
)


def logged_at(line: str) -> float:
    return datetime.datetime.fromisoformat(line.split(" ", 1)[0].replace("Z", "+00:00")).timestamp()


def one_round(browser, base_url: str, backend: SyncBackend, seconds: float, seed: int) -> dict:
    notebook_id = f"bench-typists-{uuid.uuid4().hex[:8]}"
    kernel = RemoteKernelProcess(notebook_id, backend.url, "kernel-typists", lease_ms=30_000,
        token=backend.token(notebook_id, "kernel"))
    contexts, people, restarts = [], [], [0, 0]
    try:
        for number in range(2):
            context = browser.new_context()
            contexts.append(context)
            notebook = NotebookPage(context.new_page(), base_url)
            notebook.page.on("console", lambda m, n=number: "starting it afresh" in m.text and restarts.__setitem__(n, restarts[n] + 1))
            notebook.open(notebook_id, sync=backend.url, token=backend.token(notebook_id, "write"))
            notebook.page.wait_for_function("window.livecomplete.remoteKernel === 'kernel-typists'", timeout=30_000)
            notebook.page.evaluate(COUNT_COMMITS)
            notebook.set_cell(number + 1, "")
            people.append(notebook)
        rng = random.Random(seed)
        start = time.time()
        position = 0
        while time.time() - start < seconds:
            char = TYPED[position % len(TYPED)]
            position += 1
            for notebook in people:
                notebook.page.keyboard.press("Enter" if char == "\n" else char)
                notebook.page.wait_for_timeout(rng.uniform(75, 125))
        typed_until = time.time()
        for notebook in people:
            notebook.page.keyboard.press("Escape")
        time.sleep(10)  # late answers, restarts under way
        answered_at = [logged_at(l) for l in list(kernel.lines) if " info: answered " in l]
        marks = sorted([start, typed_until, *(t for t in answered_at if start <= t <= typed_until)])
        # A store being started afresh has no rows to give for a moment: wait for the new one.
        people[0].page.wait_for_function(
            "() => { try { window.livecomplete.debug.storedEvents(); return true } catch { return false } }",
            timeout=30_000)
        requests = {r["id"]: r for r in people[0].stored_events()["requests"]}
        by_kernel = {a["id"] for a in kernel.answers()}
        return {
            "notebook": notebook_id,
            "keys": position * 2,
            "requests": len(requests),
            "answered by the remote kernel": len(set(requests) & by_kernel),
            "answered by a page's own kernel": sum(
                sum(n.page.evaluate("window.answersCommitted").values()) for n in people),
            "unanswered": sum(1 for r in requests.values() if not r["answered"]),
            "longest kernel silence (s)": round(max(b - a for a, b in zip(marks, marks[1:])), 1),
            "kernel store restarts": sum(1 for l in kernel.lines if "stopped syncing" in l),
            "page store restarts": sum(restarts),
        }
    finally:
        for context in contexts:
            context.close()
        kernel.stop(signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory() as state, served_chromium() as (browser, base_url):
        backend = SyncBackend(Path(state))
        backend.start()
        try:
            for number in range(1, args.rounds + 1):
                result = one_round(browser, base_url, backend, args.seconds, seed=number)
                rounds.append(result)
                print(f"round {number}: " + ", ".join(f"{k} {v}" for k, v in result.items() if k != "notebook"), flush=True)
        finally:
            backend.stop()
    out = write_results("typists", {"seconds": args.seconds, "rounds": rounds})
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
