"""Entry points the kernel worker (web/src/kernel.worker.js) calls, with JSON strings in and out.

Only plain data crosses the worker boundary, so every function takes and returns strings.
"""

from __future__ import annotations

import json
import time

from .kernel import Kernel
from .kernel_setup import warmed_kernel
from .options import Options

__all__ = ["answer", "run", "start"]

_kernel: Kernel | None = None


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


def answer(operation: str, source: str, cursor: int, other_cells_json: str = "[]") -> str:
    """`Kernel.answer` as JSON (a list of suggestion events), for the worker's JS;
    `other_cells_json` is [[label, source], ...] of the cells above."""
    other_cells = [(str(label), str(text)) for label, text in json.loads(other_cells_json)]
    suggestions = _require_kernel().answer(operation, source, cursor, other_cells)
    return json.dumps([s.to_event() for s in suggestions])


def _require_kernel() -> Kernel:
    if _kernel is None:
        raise RuntimeError("the kernel is not started yet")
    return _kernel
