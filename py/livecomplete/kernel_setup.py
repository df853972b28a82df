"""Setting a kernel up, for the three places that start one: the page's kernel worker
(`_worker`), a remote kernel (`_remote`) and the kernel snapshot made at build (`_snapshot`).

Pure Python over the file system: the stdlib unpacked out of Pyodide's zip, and Jedi warmed.
"""

from __future__ import annotations

import os
import sys
import zipfile

from .kernel import Kernel
from .options import Options

__all__ = ["UNPACKED_SUFFIX", "unpack_zipped_stdlib", "warmed_kernel"]

# Where the kernel unpacks a zipped stdlib: `<zip without .zip>-unpacked`, on sys.path.
UNPACKED_SUFFIX = "-unpacked"

# Jedi warms its caches on the first completion (seconds under Pyodide); doing it while the
# kernel starts moves that cost off the user's first keystroke. A second module (one whose stub
# pulls in typing's and collections' own) warms what the first of any other module would pay
# (`build.py bench modules`).
_WARM_UP_SOURCES = ("import os\nos.pa", "import collections\ncollections.Or")


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
        for source in _WARM_UP_SOURCES:
            kernel.complete(source, len(source))
    return kernel, unpacked


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
