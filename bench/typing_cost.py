"""What ordinary typing costs the completion store: requests per 100 keys, and bytes per request.

`python3 build.py bench typing [--rounds 2]`. Each round opens a new notebook in a new browser
profile (the completion store in OPFS, as a person has it) and types a session of ordinary code
into an empty cell, a key every 110-200 ms, Enter at line ends, no Escape: imports, names,
attribute chains and calls. It then waits until every request is answered and reports:
- requests committed per 100 keys, by operation (complete, describe, signature);
- payload bytes per request: the JSON of the request and its answer as the store holds them
  (median), and the growth of the completion store's OPFS directory per answered request and per
  hour of such typing;
- whether the cell holds exactly what was typed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import uuid

from _harness import NotebookPage, figures, new_profile, served_chromium, write_results

SESSION = (
    "import os\n"
    "import json\n"
    "from collections import Counter\n"
    "path = os.path.join('data', 'rows.json')\n"
    "rows = json.loads('[1, 2, 3]')\n"
    "counts = Counter(rows)\n"
    "total = sum(counts.values())\n"
    "name = os.path.basename(path)\n"
    "print(name.upper(), total)\n"
)
KEY_DELAY_MS = (110, 200)


def one_round(browser, base_url: str, seed: int) -> dict:
    rng = random.Random(seed)
    with new_profile(browser) as context:
        notebook = NotebookPage(context.new_page(), base_url)
        notebook.open(f"bench-typing-{uuid.uuid4().hex[:8]}")
        notebook.wait_until_saved()
        before = notebook.page.evaluate("window.livecomplete.storageReport()")["storeBytes"] or 0
        notebook.editor(1).click()
        keys = 0
        for char in SESSION:
            notebook.page.keyboard.press("Enter" if char == "\n" else char)
            keys += 1
            notebook.page.wait_for_timeout(rng.uniform(*KEY_DELAY_MS))
        typed_ms = keys * statistics.mean(KEY_DELAY_MS)
        notebook.wait_until_all_answered()
        notebook.wait_until_saved()
        notebook.page.wait_for_timeout(1000)  # the leader writes to OPFS after the commit
        after = notebook.page.evaluate("window.livecomplete.storageReport()")["storeBytes"] or 0
        intact = notebook.cell_text(1) == SESSION
        stored = notebook.stored_events()
        mine = notebook.client_id()
        requests = [r for r in stored["requests"] if r["requestedBy"] == mine]
        responses = {r["id"]: r for r in stored["responses"]}
        by_operation: dict[str, int] = {}
        for request in requests:
            by_operation[request["operation"]] = by_operation.get(request["operation"], 0) + 1
        payload = [
            len(json.dumps(r, ensure_ascii=False).encode()) + len(json.dumps(responses.get(r["id"], {}), ensure_ascii=False).encode())
            for r in requests
        ]
        answered = sum(1 for r in requests if r["id"] in responses)
        notebook.assert_no_errors()
        return {
            "keys": keys,
            "intact": intact,
            "requests": len(requests),
            "answered": answered,
            "byOperation": by_operation,
            "requestsPer100Keys": round(100 * len(requests) / keys, 1),
            "payloadBytes": figures(payload),
            "opfsBytesGrown": after - before,
            "opfsBytesPerAnswered": round((after - before) / answered) if answered else None,
            "opfsBytesPerHourOfTyping": round((after - before) / typed_ms * 3_600_000),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rounds = []
    with served_chromium() as (browser, base_url):
        for number in range(args.rounds):
            result = one_round(browser, base_url, seed=number)
            rounds.append(result)
            print(f"round {number + 1}: {json.dumps(result)}")
    summary = {
        "requestsPer100Keys": [r["requestsPer100Keys"] for r in rounds],
        "payloadBytesMedian": [r["payloadBytes"]["median"] if r["payloadBytes"] else None for r in rounds],
        "opfsBytesPerAnswered": [r["opfsBytesPerAnswered"] for r in rounds],
        "allIntact": all(r["intact"] for r in rounds),
    }
    out = write_results("typing-cost", {"session": SESSION, "keyDelayMs": KEY_DELAY_MS, "rounds": rounds, "summary": summary})
    print(json.dumps(summary))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
