"""Entry points the kernel worker (web/src/kernel.worker.js) calls, with JSON strings in and out.

Only plain data crosses the worker boundary, so every function takes and returns strings.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile

from ._snapshot import UNPACKED_SUFFIX
from .kernel import Kernel
from .options import Options

__all__ = ["answer", "run", "start", "warmed_kernel"]

_kernel: Kernel | None = None

# Jedi warms its caches on the first completion (seconds under Pyodide); doing it while the
# kernel starts moves that cost off the user's first keystroke.
_WARM_UP_SOURCE = "import os\nos.pa"


def warmed_kernel(options: Options, *, warm_up: bool = True) -> tuple[Kernel, bool]:
    """A kernel with Jedi warmed up (the stdlib unpacked first when `unpackStdlib`), and whether
    anything was unpacked. Used by the kernel worker, a remote kernel and the kernel snapshot.
    Without `warm_up` the first completion is left to the person (a kernel restored from the
    snapshot, whose Jedi was warmed before the snapshot was taken)."""
    if options.unpack_stdlib:
        unpacked = unpack_zipped_stdlib()
    else:
        unpacked = False
        # A snapshot was made with the stdlib unpacked; keep Jedi on the zip as asked.
        sys.path[:] = [entry for entry in sys.path if not entry.endswith(UNPACKED_SUFFIX)]
    kernel = Kernel(options)
    if warm_up:
        kernel.complete(_WARM_UP_SOURCE, len(_WARM_UP_SOURCE))
    return kernel, unpacked


def start(options_json: str = "{}", restored: bool = False) -> str:
    """Create the kernel and warm Jedi up, unless it is `restored` from the kernel snapshot (warm
    already) with the stdlib unpacked as there; returns timings in ms as JSON."""
    global _kernel
    started = time.perf_counter()
    options = Options.from_mapping(json.loads(options_json))
    # Warming up again would redo a completion (~0.1 s natively, 0.3-0.7 s in a starting page),
    # on the way to the kernel being ready.
    warm = not (restored and options.unpack_stdlib)
    _kernel, unpacked = warmed_kernel(options, warm_up=warm)
    return json.dumps({
        "stdlibUnpacked": unpacked,
        "warmedUp": warm,
        "startMs": round((time.perf_counter() - started) * 1000),
    })


def run(code: str) -> str:
    return json.dumps(_require_kernel().run(code).to_plain())


def answer(operation: str, source: str, cursor: int) -> str:
    """`Kernel.answer` as JSON (a list of suggestion events), for the worker's JS."""
    suggestions = _require_kernel().answer(operation, source, cursor)
    return json.dumps([s.to_event() for s in suggestions])


def _require_kernel() -> Kernel:
    if _kernel is None:
        raise RuntimeError("the kernel is not started yet")
    return _kernel


def unpack_zipped_stdlib() -> bool:
    """Put an unpacked copy of a zipped standard library ahead of the zip on sys.path.

    Pyodide ships the stdlib as a zip. Jedi, completing against it, asks the zip importer for
    file names (which compiles whole modules) and re-reads the zip's directory on every call:
    5-12x slower than CPython. Unpacked into the in-memory file system it is plain files again.
    Returns whether anything was unpacked.
    """
    zipped = [entry for entry in sys.path if entry.endswith(".zip") and os.path.isfile(entry)]
    for archive in zipped:
        target = archive[: -len(".zip")] + UNPACKED_SUFFIX
        if not os.path.isdir(target):  # a start from a snapshot writes it back beforehand
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(target)
        if target not in sys.path:  # restored from a snapshot, it is there already
            sys.path.insert(sys.path.index(archive), target)
    return bool(zipped)
