"""What goes into the Pyodide memory snapshots `build.py` makes, and what a restored one redoes.

Starting Pyodide, importing our modules and warming Jedi take seconds in the browser; a memory
snapshot made at build time (web/node/make-snapshots.js, under Node) restores all of it in a few
hundred ms. Only the heap is in a snapshot: files (the wheels, the unpacked stdlib) are written
back at start (web/src/python.js), dated in the past so that the restored parse caches stay
valid, and `after_restore` renews what must differ per page (random seeds).
Only pure modules are imported here; the ones that touch `js` are imported after the restore,
from bytecode made here.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import os
import py_compile
import random
import site
import sys
from collections.abc import Iterable

from .kernel_setup import UNPACKED_SUFFIX

__all__ = [
    "PAGE_MODULES",
    "PAGE_MODULES_AFTER_RESTORE",
    "SETTLED_MTIME",
    "after_restore",
    "file_roots",
    "precompile",
    "prepare",
]


# parso keeps parsed files in memory by path and modification time. The kernel snapshot carries
# those caches, but the files are written back at each start, newer than their entries: the
# file image is written back (web/src/python.js) with this time in the past, which keeps the
# restored caches valid.
SETTLED_MTIME = 946_684_800  # 2000-01-01, in seconds

# What the page's Python imports, minus the modules that reach JavaScript at import time.
PAGE_MODULES = (
    "asyncio",
    "livecomplete.agent",
    "livecomplete.audit",
    "livecomplete.cleanup",
    "livecomplete.client",
    "livecomplete.events",
    "livecomplete.executor",
    "livecomplete.fallback",
    "livecomplete.growth",
    "livecomplete.handover",
    "livecomplete.hints",
    "livecomplete.notebook",
    "livecomplete.options",
    "livecomplete.word_answers",
)

# What the page imports after the restore (they reach JavaScript at import time). Their bytecode
# goes with the snapshot's files: compiling them at each start costs ~0.1 s of a busy page.
PAGE_MODULES_AFTER_RESTORE = (
    "livecomplete._browser", "livecomplete._livestore", "livecomplete._notebook_livestore", "livecomplete._opfs",
    "livecomplete._page_notebook",
)


def prepare(kind: str) -> None:
    """Bring a fresh Pyodide to the state a snapshot of `kind` ('page' or 'kernel') holds."""
    if kind == "page":
        for name in PAGE_MODULES:
            importlib.import_module(name)
        if sys.platform == "emscripten":  # not in a source tree: see precompile
            precompile(PAGE_MODULES_AFTER_RESTORE)
    elif kind == "kernel":
        from .kernel_setup import warmed_kernel
        from .options import Options

        # Jedi's parse caches stay in memory; the kernel itself is made at start, with the
        # page's options.
        warmed_kernel(Options())
    else:
        raise ValueError(f"no snapshot kind {kind!r}: 'page' or 'kernel'")


def precompile(module_names: Iterable[str]) -> list[str]:
    """Write each module's bytecode where its import looks for it; returns the files written.

    The bytecode is marked as not to be checked against the source (PEP 552 "unchecked-hash"):
    the files written back carry SETTLED_MTIME, not the time the bytecode was made from. Meant
    for the wheels unpacked into the snapshot's Python, whose sources never change; in a source
    tree it would hide edits."""
    written = []
    for name in module_names:
        source = importlib.util.find_spec(name).origin
        written.append(py_compile.compile(
            source, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH))
    return written


def file_roots() -> str:
    """JSON list of the folders whose files a restored Python needs back (a heap holds no
    files): site-packages (the wheels) and the unpacked stdlib, when there is one."""
    folders = [*site.getsitepackages(), *(p for p in sys.path if p.endswith(UNPACKED_SUFFIX))]
    return json.dumps([folder for folder in dict.fromkeys(folders) if os.path.isdir(folder)])


def after_restore() -> None:
    """After the files are written back: renew what every page restored from the same snapshot
    would otherwise share, and undo what starting again added twice."""
    # The files came in behind the import system's back: forget the folder listings. Only the
    # folders' finders: importlib.invalidate_caches() would also make the next import re-read
    # the stdlib zip's directory, and import importlib.metadata (~0.2 s of a page's start).
    for finder in list(sys.path_importer_cache.values()):
        if isinstance(finder, importlib.machinery.FileFinder):
            finder.invalidate_caches()
    if "random" in sys.modules:
        # Seeded once at build time, `random` would give every page the same numbers.
        random.seed()
    # Pyodide puts its working directory ("") on sys.path at each start; the snapshot had it.
    sys.path[:] = list(dict.fromkeys(sys.path))
