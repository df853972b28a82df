"""A remote kernel's Python: one in-process `Kernel` that runs a notebook's cells and answers its
completions, reached only through the sync backend.

Runs in Pyodide under Node (web/node/remote-kernel.js hands `start()` two LiveStore stores that
sync outbound to the backend: the notebook's main store and its completion store). It announces
itself (`v1.KernelAnnounced`) every third of its lease while people ask it things, and goes
dormant when they stop (`handover.LeaseRenewal`), so the pages' own kernels (and remote kernels
with larger ids) stand by (see `handover`); runs everyone's execution requests in order
(`executor`) and answers everyone's completion requests in the namespace those runs built; logs a
line per run and per answer; and says `v1.KernelLeft` (and ends its session) when it stops.

A cell or a Jedi call blocks this process; announcements stop with it, and when the lease runs
out the pages' own kernels serve again: a remote kernel busy longer than its lease is taken for a
dead one (each run renews the lease first, so a run shorter than a lease is safe).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pyodide.ffi import JsProxy  # type: ignore[import-not-found]

from ._livestore import LiveStoreCompletions
from ._notebook_livestore import LiveStoreNotebook
from .agent import FRESH_NAMESPACE, Answered, KernelAgent, KernelState
from .events import Suggestion
from .executor import ExecutionAgent
from .events import now_ms
from .handover import IDLE_AFTER_MS, AgentGroup, Handover, LeaseRenewal
from .notebook import QueueEntry, cells_above
from .kernel import Kernel
from .kernel_setup import warmed_kernel
from .options import Options

__all__ = ["RemoteKernel", "start"]

log = logging.getLogger("livecomplete")


class InProcessKernel:
    """`agent.KernelBackend` and `executor.Runner` over a `Kernel` in this thread."""

    def __init__(
        self, kernel: Kernel, before_run: Callable[[], None] = lambda: None,
        flushed: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        self._kernel = kernel
        self._before_run = before_run
        # Resolves once what was committed has reached the backend: a cell blocks this process,
        # and events still queued then (the run's start, a renewed lease) would wait for its end.
        self._flushed = flushed
        self.session_id = uuid.uuid4().hex[:16]  # one session per process: it never restarts
        # Names the namespace completions are computed in (set by the remote kernel: its runs).
        self.namespace_now: Callable[[], str] = lambda: FRESH_NAMESPACE

    def state(self) -> KernelState:
        return "ready"  # in-process: a cell and a completion never overlap

    async def started(self) -> None:
        return None

    def unavailable_because(self) -> str | None:
        return None

    def namespace(self) -> str:
        return self.namespace_now()

    def session(self) -> str:
        return self.session_id

    async def run(self, code: str) -> Mapping[str, Any]:
        self._before_run()
        if self._flushed is not None:
            await self._flushed()
        result = self._kernel.run(code)
        return {"stdout": result.stdout, "stderr": result.stderr, "value": result.value, "error": result.error}

    def mark_unresponsive(self, reason: str) -> None:
        log.warning("the kernel is not responding: %s", reason)

    def wanted(self) -> None:
        pass  # always running

    async def answer(
        self, operation: str, source: str, cursor: int, other_cells: Sequence[tuple[str, str]]
    ) -> Sequence[Suggestion]:
        return self._kernel.answer(operation, source, cursor, other_cells)


class RemoteKernel:
    """What the Node process holds: announce, answer, log; `stop()` says goodbye."""

    def __init__(
        self, store: LiveStoreCompletions, notebook: LiveStoreNotebook, kernel: Kernel, kernel_id: str,
        options: Options, lease_ms: float, flushed: Callable[[], Awaitable[Any]] | None = None,
        idle_after_ms: float = IDLE_AFTER_MS,
    ) -> None:
        self.kernel_id = kernel_id
        self.kernel = kernel
        self._store = store
        self._lease_ms = lease_ms
        self._renewal = LeaseRenewal(lease_ms, now_ms(), idle_after_ms=idle_after_ms)
        in_process = InProcessKernel(kernel, before_run=self._before_run, flushed=flushed)
        self._agent = KernelAgent(
            store, in_process, agent_id=kernel_id, serves_everyone=True, options=options,
            on_answered=self._log_answer, other_cells=lambda cell_id: cells_above(notebook.cells(), cell_id),
        )
        self._executor = ExecutionAgent(
            notebook, in_process, kernel_id=kernel_id, requested_by=None, on_ended=self._log_run,
        )
        in_process.namespace_now = self._executor.namespace
        # Another remote kernel may already serve the notebook: then this one stands by.
        self._handover = Handover(
            store, AgentGroup(self._agent, self._executor), me=kernel_id, on_asked=self._on_asked)
        self._announcer: asyncio.Task[None] | None = None

    @property
    def computations(self) -> int:
        """Jedi calls made; answers reused from an identical earlier request do not count."""
        return self._agent.computations

    def start(self) -> None:
        self._executor.announce()  # its session, so pages can name its namespace at once
        self._renew()
        self._announcer = asyncio.ensure_future(self._announce_while_running())
        self._handover.start()

    def _renew(self) -> None:
        """Announce this kernel when its lease renewal is due (handover.LeaseRenewal)."""
        now = now_ms()
        lease = self._renewal.due(now)
        if lease is None:
            return
        was_dormant = self._renewal.dormant
        self._store.commit_kernel_announced(self.kernel_id, lease)
        self._renewal.announced(lease, now)
        if self._renewal.dormant != was_dormant:
            log.info("nobody asked anything for a while: dormant" if self._renewal.dormant else "asked something: awake")

    def _on_asked(self) -> None:
        # A new request: a dormant kernel announces itself awake at once.
        if self._renewal.asked(now_ms()):
            self._renew()

    def _before_run(self) -> None:
        # Each run renews the lease first, so a run shorter than a lease never looks like a death.
        self._renewal.renew_at_once(now_ms())
        self._renew()

    async def _announce_while_running(self) -> None:
        while True:
            await asyncio.sleep(min(self._lease_ms / 3, 1000) / 1000)
            self._renew()

    def detach(self) -> None:
        """Stop serving these stores without a word in them (they stopped syncing: the kernel
        serves fresh ones next, and its lease carries on)."""
        if self._announcer is not None:
            self._announcer.cancel()
            self._announcer = None
        self._handover.stop()
        self._agent.stop()
        self._executor.stop()

    def stop(self) -> None:
        """Stop serving and say goodbye: pages take over at once."""
        self.detach()
        self._executor.terminate_session("shutdown")
        self._store.commit_kernel_left(self.kernel_id)

    def _log_run(self, entry: QueueEntry, status: str) -> None:
        # The namespace changed: answers computed before the run may be wrong now.
        self._agent.namespace_changed()
        log.info("ran %s (cell %s, asked by %s): %s", entry.id, entry.cell_id, entry.requested_by, status)

    def _log_answer(self, answered: Answered) -> None:
        request, response = answered.request, answered.response
        took = f" in {answered.kernel_ms:.0f} ms" if answered.kernel_ms is not None else ""
        # How long it stayed here: `bench sync` splits a round trip into its layers with it.
        held = f", {answered.held_ms:.0f} ms after it arrived" if answered.held_ms is not None else ""
        log.info(
            "answered %s from %s/%s: %s, %d suggestions, %s%s%s (computations: %d)",
            request.completion_id, request.requested_by, request.cell_id, response.status,
            len(response.suggestions), answered.how, took, held, self.computations,
        )


def start(config: JsProxy, kernel: Kernel | None = None) -> RemoteKernel:
    """Warm Jedi up (unless given the `kernel` of an earlier, detached remote: its namespace
    carries on), then start serving the stores in `config`: {store, events, queries (the
    completion store), notebookStore, notebookEvents, notebookQueries, notebookId, kernelId,
    optionsJson, leaseMs, idleAfterMs (or null: IDLE_AFTER_MS), log(line), flushed() (a promise:
    both stores pushed)}."""
    if not log.handlers:
        log.addHandler(_LineHandler(config.log))
        log.setLevel(logging.INFO)
        log.propagate = False
    options = Options.from_mapping(json.loads(config.optionsJson))
    # Jedi's first completion costs seconds: pay it before announcing, not on someone's keystroke.
    if kernel is None:
        kernel, _ = warmed_kernel(options)
    notebook = LiveStoreNotebook(
        config.notebookStore, config.notebookEvents, config.notebookQueries, str(config.notebookId))
    remote = RemoteKernel(
        LiveStoreCompletions(config.store, config.events, config.queries), notebook,
        kernel, str(config.kernelId), options, float(config.leaseMs), flushed=config.flushed,
        idle_after_ms=float(getattr(config, "idleAfterMs", None) or IDLE_AFTER_MS),
    )
    remote.start()
    return remote


class _LineHandler(logging.Handler):
    def __init__(self, write: Callable[[str], Any]) -> None:
        super().__init__()
        self._write = write

    def emit(self, record: logging.LogRecord) -> None:
        self._write(f"{record.levelname.lower()}: {self.format(record)}")
