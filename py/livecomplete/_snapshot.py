"""What goes into the Pyodide memory snapshots `build.py` makes, and what a restored one redoes.

Starting Pyodide, importing our modules and warming Jedi take seconds in the browser; a memory
snapshot made at build time (web/node/make-snapshots.js, under Node) restores all of it in a few
hundred ms. Only the heap is in a snapshot: files (the wheels, the unpacked stdlib) are written
back at start (web/src/python.js), and `after_restore` renews what must differ per page (random
seeds) and keeps the restored parse caches valid for the files written back.
Only pure modules are imported here; the ones that touch `js` are imported after the restore.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import site
import sys

__all__ = ["PAGE_MODULES", "SETTLED_MTIME", "UNPACKED_SUFFIX", "after_restore", "file_roots", "prepare"]

# Where the kernel unpacks a zipped stdlib: `<zip without .zip>-unpacked`, on sys.path (`_worker`).
UNPACKED_SUFFIX = "-unpacked"

# parso keeps parsed files in memory by path and modification time. The kernel snapshot carries
# those caches, but the files are written back at each start, newer than their entries: pinning
# their times in the past keeps the restored caches valid.
SETTLED_MTIME = 946_684_800  # 2000-01-01

# What the page's Python imports, minus the modules that reach JavaScript at import time.
PAGE_MODULES = (
    "asyncio",
    "livecomplete.agent",
    "livecomplete.audit",
    "livecomplete.cleanup",
    "livecomplete.client",
    "livecomplete.events",
    "livecomplete.fallback",
    "livecomplete.handover",
    "livecomplete.hints",
    "livecomplete.options",
    "livecomplete.word_answers",
)


def prepare(kind: str) -> None:
    """Bring a fresh Pyodide to the state a snapshot of `kind` ('page' or 'kernel') holds."""
    if kind == "page":
        for name in PAGE_MODULES:
            importlib.import_module(name)
    elif kind == "kernel":
        from ._worker import warmed_kernel
        from .options import Options

        # Jedi's parse caches stay in memory; the kernel itself is made at start, with the
        # page's options.
        warmed_kernel(Options())
    else:
        raise ValueError(f"no snapshot kind {kind!r}: 'page' or 'kernel'")


def file_roots() -> str:
    """JSON list of the folders whose files a restored Python needs back (a heap holds no
    files): site-packages (the wheels) and the unpacked stdlib, when there is one."""
    return json.dumps(_file_roots())


def _file_roots() -> list[str]:
    folders = [*site.getsitepackages(), *(p for p in sys.path if p.endswith(UNPACKED_SUFFIX))]
    return [folder for folder in dict.fromkeys(folders) if os.path.isdir(folder)]


def after_restore() -> None:
    """After the files are written back: renew what every page restored from the same snapshot
    would otherwise share, and undo what starting again added twice."""
    importlib.invalidate_caches()  # the files came in behind the import system's back
    if "random" in sys.modules:
        # Seeded once at build time, `random` would give every page the same numbers.
        random.seed()
    # Pyodide puts its working directory ("") on sys.path at each start; the snapshot had it.
    sys.path[:] = list(dict.fromkeys(sys.path))
    settle_file_times()


def settle_file_times() -> int:
    """Give the files written back (see `file_roots`) the fixed old time SETTLED_MTIME; returns
    how many were touched."""
    if sys.platform != "emscripten":
        return 0  # elsewhere these are an interpreter's own files, not ours to touch
    touched = 0
    for top in _file_roots():
        for folder, _, files in os.walk(top):
            for name in files:
                os.utime(os.path.join(folder, name), (SETTLED_MTIME, SETTLED_MTIME))
                touched += 1
    return touched
