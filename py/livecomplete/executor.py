"""Kernel side of the main store: run the notebook's execution requests, one at a time, in order.

An `ExecutionAgent` watches the open `v1.ExecutionRequested` entries it serves (a page's own, or
everyone's for a remote kernel), and for each, oldest first: commits `v1.ExecutionAssigned`,
`v1.ExecutionStarted` and `v1.CellOutputsCleared` together, runs the cell's source as the store
holds it, then commits its outputs with `v1.ExecutionCompleted` (docs/notebook.md). It is started
and stopped with the completion agent by the hand-over (`handover`): one kernel runs each request.

A run does not stay "running" when its kernel is gone: a page fails its own runs that a kernel no
longer serving had started (a remote kernel killed mid-run, the page's kernel restarted), and any
serving agent fails runs whose kernel session said it terminated; each gets an error output that
says why. (A page that closes says nothing: docs/notebook.md.)
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from .notebook import QueueEntry, error_data, outputs_of_run, session_namespace, valid_queue
from .store import Row, Unsubscribe

__all__ = ["ExecutionAgent", "NotebookStore", "Runner"]

log = logging.getLogger("livecomplete")


class NotebookStore(Protocol):
    """What running cells needs of the main store (LiveStore: `_notebook_livestore`)."""

    def watch_open_runs(self, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        """Call `on_rows` with every execution request not ended (pending, assigned, executing),
        now and on every change."""

    def cell(self, cell_id: str) -> Row | None:
        """The cell's row (camelCase fields), or None when the notebook has no such cell."""

    def terminated_sessions(self) -> set[str]:
        """The kernel sessions that said they terminated."""

    def commit_session_started(self, session_id: str, kernel_id: str) -> None: ...

    def commit_session_terminated(self, session_id: str, reason: str) -> None: ...

    def commit_run_started(self, queue_id: str, cell_id: str, session_id: str) -> None:
        """`v1.ExecutionAssigned`, `v1.ExecutionStarted` and `v1.CellOutputsCleared`, in one commit."""

    def commit_run_ended(
        self, queue_id: str, cell_id: str, outputs: Sequence[Mapping[str, Any]], status: str, error: str | None
    ) -> None:
        """`v1.CellOutputAdded` per output ({outputType, data}; ids and positions given here)
        and `v1.ExecutionCompleted`, in one commit."""


class Runner(Protocol):
    """The kernel that runs cells: the page's worker, or a remote kernel's in-process one."""

    def session(self) -> str:
        """The kernel's current session (a new one after every restart)."""

    def run(self, code: str) -> Awaitable[Mapping[str, Any]]:
        """{stdout, stderr, value, error} of running `code`; raises when the kernel could not run
        it (stopped, restarted meanwhile). A kernel in another thread may start on it at once."""


class ExecutionAgent:
    def __init__(
        self,
        store: NotebookStore,
        runner: Runner,
        *,
        kernel_id: str,
        requested_by: str | None,
        on_ended: Callable[[QueueEntry, str], None] | None = None,
        soon: Callable[[Callable[[], None]], Any] | None = None,
    ) -> None:
        self._store = store
        self._runner = runner
        self.kernel_id = kernel_id
        # Whose requests it runs: one page's (its client id), or everyone's (None, a remote kernel).
        self._requested_by = requested_by
        self._on_ended = on_ended
        self._unsubscribe: Unsubscribe | None = None
        self._pending: dict[str, QueueEntry] = {}
        self._running: QueueEntry | None = None  # the run under way
        self._ended: set[str] = set()  # ended here; the store may still list them for a moment
        self._announced: set[str] = set()
        # How the agent schedules its next look at the queue: the event loop's next turn, or (in
        # the page) a microtask, which comes before any timer.
        self._soon = soon or (lambda callback: asyncio.get_running_loop().call_soon(callback))
        # Runs ended per session: a session's namespace is named by it (`namespace`).
        self._runs_ended: dict[str, int] = {}

    @property
    def running(self) -> bool:
        return self._unsubscribe is not None

    def namespace(self) -> str:
        """The namespace completions are computed in now (`notebook.session_namespace`)."""
        session = self._runner.session()
        return session_namespace(session, self._runs_ended.get(session, 0))

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self._store.watch_open_runs(self._on_rows)

    def stop(self) -> None:
        """Take no new runs. A run under way finishes and commits its outputs (its kernel is
        still there); the runs not started stay pending for whoever serves next."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._pending.clear()

    def announce(self) -> None:
        """Say in the store that this kernel's session started (before its first run), so pages
        can name its namespace at once."""
        session = self._runner.session()
        if session not in self._announced:
            self._store.commit_session_started(session, self.kernel_id)
            self._announced.add(session)

    def terminate_session(self, reason: str) -> None:
        """The kernel stops (a remote kernel leaving): say so in the store."""
        session = self._runner.session()
        if session in self._announced:
            self._store.commit_session_terminated(session, reason)

    @property
    def _running_id(self) -> str | None:
        return None if self._running is None else self._running.id

    def _serves(self, entry: QueueEntry) -> bool:
        return self._requested_by is None or entry.requested_by == self._requested_by

    def _on_rows(self, rows: Sequence[Any]) -> None:
        entries = [e for e in valid_queue(rows) if self._serves(e) and e.id not in self._ended]
        self._pending = {e.id: e for e in entries if e.status == "pending" and e.id != self._running_id}
        orphans = [e for e in entries if e.status != "pending" and e.id != self._running_id and self._orphaned(e)]
        if orphans:
            # Not inside the store's callback: committing there would re-enter it.
            asyncio.get_running_loop().call_soon(self._fail_orphans, orphans)
        # Not inside the store's callback either: starting a run commits.
        self._soon(self._pick)

    def _orphaned(self, entry: QueueEntry) -> bool:
        """Started by a kernel that will never end it. A page serves only while no remote kernel
        does, so a run of its own under another session has lost its kernel; a remote kernel
        trusts only a session's own word that it terminated."""
        if entry.session is None or entry.session == self._runner.session():
            return False
        return self._requested_by is not None or entry.session in self._store.terminated_sessions()

    def _fail_orphans(self, orphans: list[QueueEntry]) -> None:
        for entry in orphans:
            if entry.id in self._ended or entry.id == self._running_id:
                continue
            why = (
                f"The kernel running this cell (session {entry.session}) stopped before it finished, "
                "so the run failed. The namespace was reset: run the cells it needs again."
            )
            log.warning("notebook: run %s of %s failed: its kernel session %s is gone", entry.id, entry.cell_id, entry.session)
            self._end(entry, [{"outputType": "error", "data": _message_error("KernelStopped", why)}], "error", why)

    def _pick(self) -> None:
        """Start the oldest pending run unless one is under way. Its start is synchronous (the
        kernel gets the cell at once); only its end is awaited."""
        if self._running is not None or not self.running:
            return
        entry = min(self._pending.values(), key=lambda e: e.order, default=None)
        if entry is None:
            return
        del self._pending[entry.id]
        self._running = entry
        try:
            started = self._begin(entry)
        except Exception:
            log.exception("notebook: run %s could not start", entry.id)
            started = None
        if started is None:
            self._next()
        else:
            asyncio.ensure_future(self._finish(entry, *started))

    def _next(self) -> None:
        self._running = None
        self._soon(self._pick)

    def _begin(self, entry: QueueEntry) -> tuple[str, asyncio.Future[Mapping[str, Any]]] | None:
        """Give the cell to the kernel and commit that it started; None when it cannot run."""
        cell = self._store.cell(entry.cell_id)
        source = cell.get("source") if isinstance(cell, Mapping) else None
        if not isinstance(source, str):
            why = f"Cell {entry.cell_id} was deleted before it could run."
            self._end(entry, [{"outputType": "error", "data": _message_error("CellDeleted", why)}], "error", why)
            return None
        self.announce()
        session = self._runner.session()
        # The kernel starts on the cell while its start is committed (a commit costs milliseconds).
        running = asyncio.ensure_future(self._runner.run(source))
        self._store.commit_run_started(entry.id, entry.cell_id, session)
        return session, running

    async def _finish(self, entry: QueueEntry, session: str, running: asyncio.Future[Mapping[str, Any]]) -> None:
        try:
            result = await running
        except Exception as error:
            why = f"The kernel could not run this cell: {error}"
            self._end(entry, [{"outputType": "error", "data": _message_error("KernelError", why)}], "error", why)
        else:
            self._runs_ended[session] = self._runs_ended.get(session, 0) + 1
            failed = bool(result.get("error"))
            self._end(entry, outputs_of_run(result), "error" if failed else "success", None)
        finally:
            self._next()

    def _end(self, entry: QueueEntry, outputs: list[dict[str, Any]], status: str, error: str | None) -> None:
        if entry.id in self._ended:
            return  # ended already
        self._ended.add(entry.id)
        try:
            self._store.commit_run_ended(entry.id, entry.cell_id, outputs, status, error)
        except Exception:
            log.exception("notebook: could not commit the end of run %s", entry.id)
            return
        if self._on_ended is not None:
            self._on_ended(entry, status)


def _message_error(ename: str, text: str) -> dict[str, Any]:
    data = error_data(f"{ename}: {text}")
    return {**data, "traceback": [text]}


def new_id() -> str:
    """An id for a queue entry, output or cell: short, unique, in the id alphabet."""
    return uuid.uuid4().hex[:16]
