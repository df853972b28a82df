"""How long a cleanup round takes over many completion stores: `python3 build.py bench cleanup`.

On the real page in headless Chromium, each repetition fills OPFS with `--stores` completion
store directories shaped like LiveStore's (21 pool files of 4 KB each): half of an old storage
format (removed), half current and fresh (kept, but still walked). It then times one round
through the page's own `cleanupNow()`, and a second round with nothing left to remove. Prints
median / p95 of the round durations and the bytes reclaimed; writes JSON to bench-results/.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

from _harness import NotebookPage, figures, served_chromium, write_results

POOL_FILES = 21  # what a LiveStore 0.4 store directory holds (SQLite's access-handle pool)
POOL_FILE_BYTES = 4096

FILL = """async ({ stores, files, bytes }) => {
  const root = await navigator.storage.getDirectory()
  const block = new Uint8Array(bytes)
  await Promise.all(stores.map(async (name) => {
    const directory = await root.getDirectoryHandle(name, { create: true })
    for (let i = 0; i < files; i++) {
      const writable = await (await directory.getFileHandle(`pool${i}`, { create: true })).createWritable()
      await writable.write(block)
      await writable.close()
    }
  }))
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    removing, scanning, freed = [], [], []
    with served_chromium() as (browser, base_url):
        for repetition in range(args.repeat):
            context = browser.new_context()
            notebook = NotebookPage(context.new_page(), base_url)
            notebook.open(f"bench-{uuid.uuid4().hex[:10]}")
            stale = [f"livestore-stale{repetition}x{i}-completions@5" for i in range(args.stores // 2)]
            fresh = [f"livestore-fresh{repetition}x{i}-completions@6" for i in range(args.stores - len(stale))]
            filled = time.perf_counter()
            notebook.page.evaluate(FILL, {"stores": stale + fresh, "files": POOL_FILES, "bytes": POOL_FILE_BYTES})
            fill_s = time.perf_counter() - filled
            first = notebook.cleanup_now()
            second = notebook.cleanup_now()
            assert len(first["removed"]) == len(stale), first["summary"]
            removing.append(first["durationMs"])
            scanning.append(second["durationMs"])
            freed.append(first["bytesFreed"])
            print(f"  repetition {repetition + 1}: filled {len(stale) + len(fresh)} stores in {fill_s:.1f} s; "
                  f"{first['summary']}; then {second['summary']}", flush=True)
            context.close()
    report = {
        "stores": args.stores,
        "files_per_store": POOL_FILES,
        "round_removing_half_ms": figures(removing),
        "round_removing_nothing_ms": figures(scanning),
        "bytes_freed_per_round": freed[0],
    }
    out = write_results("cleanup-round", report)
    print(f"cleanup round over {args.stores} completion stores x {POOL_FILES} files, {args.repeat} repetitions")
    print(f"  removing {args.stores // 2} stale stores (ms): {report['round_removing_half_ms']}")
    print(f"  nothing to remove, walk only (ms): {report['round_removing_nothing_ms']}")
    print(f"  bytes reclaimed per round: {freed[0]:,}")
    print(f"  written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
