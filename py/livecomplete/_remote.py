"""A remote kernel's Python: Jedi answering every request of a notebook, reached only through
the sync backend.

Runs in Pyodide under Node (web/node/remote-kernel.js hands `start()` a LiveStore store that syncs
outbound to the backend). It announces itself (`v1.KernelAnnounced`) every third of its lease, so
the pages' own kernels (and remote kernels with larger ids) stand by (see `handover`), answers
everyone's open requests with one in-process `Kernel`, logs a line per answer, and says
`v1.KernelLeft` when it stops.

A Jedi call that hangs blocks this process, announcements stop with it, and when the lease runs
out the pages' own kernels answer again: a hung remote kernel is a dead one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from pyodide.ffi import JsProxy  # type: ignore[import-not-found]

from ._livestore import LiveStoreCompletions
from .agent import FRESH_NAMESPACE, Answered, KernelAgent, KernelState
from .events import Suggestion
from .handover import Handover
from .kernel import Kernel
from .kernel_setup import warmed_kernel
from .options import Options

__all__ = ["RemoteKernel", "start"]

log = logging.getLogger("livecomplete")


class InProcessKernel:
    """`agent.KernelBackend` over a `Kernel` in this thread (the remote kernel runs no cells)."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel

    def state(self) -> KernelState:
        return "ready"  # in-process: always running, and it runs no cells

    async def started(self) -> None:
        return None

    def unavailable_because(self) -> str | None:
        return None

    def namespace(self) -> str:
        return FRESH_NAMESPACE  # no cell ever runs here

    def mark_unresponsive(self, reason: str) -> None:
        log.warning("the kernel is not responding: %s", reason)

    def wanted(self) -> None:
        pass  # always running

    async def answer(self, operation: str, source: str, cursor: int) -> Sequence[Suggestion]:
        return self._kernel.answer(operation, source, cursor)


class RemoteKernel:
    """What the Node process holds: announce, answer, log; `stop()` says goodbye."""

    def __init__(
        self, store: LiveStoreCompletions, kernel: Kernel, kernel_id: str, options: Options, lease_ms: float
    ) -> None:
        self.kernel_id = kernel_id
        self._store = store
        self._lease_ms = lease_ms
        self._agent = KernelAgent(
            store, InProcessKernel(kernel), agent_id=kernel_id, serves_everyone=True, options=options,
            on_answered=self._log_answer,
        )
        # Another remote kernel may already serve the notebook: then this one stands by.
        self._handover = Handover(store, self._agent, me=kernel_id)
        self._announcer: asyncio.Task[None] | None = None

    @property
    def computations(self) -> int:
        """Jedi calls made; answers reused from an identical earlier request do not count."""
        return self._agent.computations

    def start(self) -> None:
        self._store.commit_kernel_announced(self.kernel_id, self._lease_ms)
        self._announcer = asyncio.ensure_future(self._announce_while_running())
        self._handover.start()

    async def _announce_while_running(self) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3 / 1000)
            self._store.commit_kernel_announced(self.kernel_id, self._lease_ms)

    def stop(self) -> None:
        if self._announcer is not None:
            self._announcer.cancel()
            self._announcer = None
        self._handover.stop()
        self._agent.stop()
        self._store.commit_kernel_left(self.kernel_id)

    def _log_answer(self, answered: Answered) -> None:
        request, response = answered.request, answered.response
        took = f" in {answered.kernel_ms:.0f} ms" if answered.kernel_ms is not None else ""
        log.info(
            "answered %s from %s/%s: %s, %d suggestions, %s%s (computations: %d)",
            request.completion_id, request.requested_by, request.cell_id, response.status,
            len(response.suggestions), answered.how, took, self.computations,
        )


def start(config: JsProxy) -> RemoteKernel:
    """Warm Jedi up, then start serving the store in `config`: {store, events, queries,
    kernelId, optionsJson, leaseMs, log(line)}."""
    if not log.handlers:
        log.addHandler(_LineHandler(config.log))
        log.setLevel(logging.INFO)
        log.propagate = False
    options = Options.from_mapping(json.loads(config.optionsJson))
    # Jedi's first completion costs seconds: pay it before announcing, not on someone's keystroke.
    kernel, _ = warmed_kernel(options)
    remote = RemoteKernel(
        LiveStoreCompletions(config.store, config.events, config.queries),
        kernel, str(config.kernelId), options, float(config.leaseMs),
    )
    remote.start()
    return remote


class _LineHandler(logging.Handler):
    def __init__(self, write: Callable[[str], Any]) -> None:
        super().__init__()
        self._write = write

    def emit(self, record: logging.LogRecord) -> None:
        self._write(f"{record.levelname.lower()}: {self.format(record)}")
