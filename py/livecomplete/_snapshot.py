"""What goes into the Pyodide memory snapshots `build.py` makes, and what a restored one redoes.

Starting Pyodide, importing our modules and warming Jedi take seconds in the browser; a memory
snapshot made at build time (web/node/make-snapshots.js, under Node) restores all of it in a few
hundred ms. Only the heap is in a snapshot: files (the wheels, the unpacked stdlib) are put back
at start, and state that must differ per page (random seeds) is renewed by `after_restore`.
Only pure modules are imported here; the ones that touch `js` are imported after the restore.
"""

from __future__ import annotations

import importlib
import random
import sys

__all__ = ["PAGE_MODULES", "after_restore", "file_roots", "prepare"]

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
    import json
    import os
    import site

    folders = [*site.getsitepackages(), *(p for p in sys.path if p.endswith("-unpacked"))]
    return json.dumps([folder for folder in dict.fromkeys(folders) if os.path.isdir(folder)])


def after_restore() -> None:
    """Renew what every page restored from the same snapshot would otherwise share, and undo
    what starting again added twice."""
    if "random" in sys.modules:
        # Seeded once at build time, `random` would give every page the same numbers.
        random.seed()
    # Pyodide puts its working directory ("") on sys.path at each start; the snapshot had it.
    sys.path[:] = list(dict.fromkeys(sys.path))
