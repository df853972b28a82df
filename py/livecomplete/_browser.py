"""The page's Python: binds the client and the kernel agent to LiveStore and the kernel worker.

With `_opfs`, `_livestore` and `_remote`, the only modules that touch `js` and `pyodide.ffi`.
JavaScript hands `start()` the open store, the event constructors, the named queries and the
kernel worker handle; everything handed back is plain data (JSON strings) or a task JavaScript
can await and cancel.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy  # type: ignore[import-not-found]

from . import _opfs
from .agent import KernelAgent, KernelState, kernel_namespace
from .audit import AnswerAudit
from .cleanup import DAY_MS, CleanupReport, CleanupSchedule, run_round
from .client import CompletionClient
from ._livestore import LiveStoreCompletions
from ._notebook_livestore import LiveStoreNotebook
from ._page_notebook import PageNotebook
from .events import Suggestion, now_ms
from .growth import GrowthMeter, Sample
from .handover import AgentGroup, Handover
from .options import Options

__all__ = ["PageSession", "open_notebook", "options_json", "python_objects", "start"]

log = logging.getLogger("livecomplete")


class WorkerKernel:
    """`agent.KernelBackend` over the kernel worker handle (web/src/kernel.js)."""

    # The worker's states (kernel.js) as the agent names them, and why each cannot compute.
    _STATES: dict[str, KernelState] = {"starting": "starting", "ready": "ready", "busy": "busy", "error": "stopped"}
    _UNAVAILABLE = {"starting": "kernel starting", "busy": "kernel busy running a cell", "stopped": "kernel stopped"}

    def __init__(self, handle: JsProxy) -> None:
        self._handle = handle
        self.last_call_ms: float | None = None

    def state(self) -> KernelState:
        return self._STATES.get(str(self._handle.state), "stopped")

    async def started(self) -> None:
        await self._handle.started()

    def unavailable_because(self) -> str | None:
        return self._UNAVAILABLE.get(self.state())

    def mark_unresponsive(self, reason: str) -> None:
        self._handle.markUnresponsive(reason)

    def wanted(self) -> None:
        self._handle.launch()

    def namespace(self) -> str | None:
        launch_id, cells_run = self._handle.launchId, self._handle.cellsRun
        if not isinstance(launch_id, str) or not isinstance(cells_run, int):
            return None
        return kernel_namespace(launch_id, cells_run)

    async def answer(
        self, operation: str, source: str, cursor: int, other_cells: Sequence[tuple[str, str]]
    ) -> list[Suggestion]:
        answer = await self._handle.answer(operation, source, cursor, json.dumps(other_cells))
        ms = self._handle.lastCallMs
        self.last_call_ms = float(ms) if isinstance(ms, (int, float)) else None
        return [Suggestion.from_event(item) for item in json.loads(answer)]


class CompletionTimings:
    """What the page measured per completion, newest last, for benchmarks: round trip from
    commit to answer, the kernel call seen by the agent, and Jedi's time inside the worker."""

    KEPT = 2000

    def __init__(self) -> None:
        self._rows: collections.OrderedDict[str, dict[str, float]] = collections.OrderedDict()

    def record(self, completion_id: str, **figures: float) -> None:
        row = self._rows.setdefault(completion_id, {})
        row.update({k: round(v, 2) for k, v in figures.items()})
        if len(self._rows) > self.KEPT:
            self._rows.popitem(last=False)

    def to_plain(self) -> list[dict[str, Any]]:
        return [{"completionId": i, **row} for i, row in self._rows.items()]


class PageSession:
    """What JavaScript holds: ask for completions, cancel them, clean storage up, shut down."""

    def __init__(
        self,
        client: CompletionClient,
        agent: KernelAgent,
        handover: Handover,
        audit: AnswerAudit,
        cleanup: CleanupSchedule,
        store_directory: str,
        timings: CompletionTimings,
        notebook: PageNotebook | None = None,
        count_events: Callable[[], int] | None = None,
    ) -> None:
        self._timings = timings
        # The stores' growth over this visit, from the storage reports (the panel's).
        self._growth = GrowthMeter()
        self._count_events = count_events
        # The notebook's main store, when the host opened one (JS: lc.notebook).
        self.notebook = notebook
        self._client = client
        self._agent = agent
        self._handover = handover
        self._audit = audit
        self._cleanup = cleanup
        self._store_directory = store_directory
        self._queries: dict[int, asyncio.Task[str | None]] = {}

    def complete(
        self, query_id: int, cell_id: str, source: str, cursor: int, explicit: bool
    ) -> asyncio.Task[str | None]:
        """Start query `query_id`; JS awaits the task: a JSON CodeMirror result, or None."""
        return self._start(query_id, self._client.complete(cell_id, source, cursor, explicit=explicit))

    def describe(self, query_id: int, cell_id: str, source: str, cursor: int, label: str) -> asyncio.Task[str | None]:
        """Start describing option `label` (see `CompletionClient.describe`); JSON or None."""
        return self._start(query_id, self._client.describe(cell_id, source, cursor, label))

    def signature(
        self, query_id: int, cell_id: str, source: str, cursor: int, call_start: int = -1
    ) -> asyncio.Task[str | None]:
        """Start asking for the signature help at `cursor` in the call whose `(` is at `call_start`
        (`CompletionClient.signature`); JSON or None."""
        start = call_start if isinstance(call_start, int) and call_start >= 0 else None
        return self._start(query_id, self._client.signature(cell_id, source, cursor, start))

    def _start(self, query_id: int, answer: Coroutine[Any, Any, Any]) -> asyncio.Task[str | None]:
        """A task JS awaits (the answer as JSON, or None) and can cancel by `query_id`."""
        async def as_json() -> str | None:
            result = await answer
            return None if result is None else json.dumps(result)

        task = asyncio.ensure_future(as_json())
        self._queries[query_id] = task
        task.add_done_callback(lambda _: self._queries.pop(query_id, None))
        return task

    def cancel(self, query_id: int) -> None:
        """CodeMirror aborted the query (an edit, or the popup closed); a no-op once it is done."""
        task = self._queries.get(query_id)
        if task is not None:
            task.cancel()

    def cleanup_now(self, at_ms: float | None = None) -> asyncio.Task[str]:
        """Run a cleanup round now (`at_ms` replaces the clock for ages); JSON report."""
        # JS `null` arrives as Pyodide's `jsnull`, not None: only a real number replaces the clock.
        now = float(at_ms) if isinstance(at_ms, (int, float)) and not isinstance(at_ms, bool) else None

        async def round_json() -> str:
            return json.dumps((await self._cleanup.run_now(now)).to_plain())

        return asyncio.ensure_future(round_json())

    def storage_report(self) -> asyncio.Task[str]:
        """JSON: this notebook's completion store bytes and events (and its main store's bytes,
        when open here), their growth this visit (`growth.GrowthMeter`), origin usage/quota, last
        cleanup report."""
        async def report_json() -> str:
            try:
                _, store_bytes = await _opfs.OpfsRoot().describe(self._store_directory)
            except Exception:
                store_bytes = None  # not created yet, or OPFS unavailable
            try:
                estimate = await _opfs.storage_estimate()
            except Exception:
                estimate = {"usage": None, "quota": None}
            notebook_bytes = None
            if self.notebook is not None:
                try:
                    _, notebook_bytes = await _opfs.OpfsRoot().describe(self.notebook.directory)
                except Exception:
                    notebook_bytes = None  # in memory, or not written yet
            try:
                events = self._count_events() if self._count_events else None
            except Exception:
                events = None  # the store is shutting down
            last = self._cleanup.last_report
            return json.dumps({
                "storeDirectory": self._store_directory,
                "storeBytes": store_bytes,
                "notebookBytes": notebook_bytes,
                "storeEvents": events,
                "growth": self._growth.add(Sample(now_ms(), events, store_bytes, notebook_bytes)),
                **estimate,
                "lastCleanup": last.to_plain() if last else None,
            })

        return asyncio.ensure_future(report_json())

    def timings_json(self) -> str:
        """JSON list of {completionId, roundTripMs?, answeredAt?, kernelMs?, jediMs?} (see CompletionTimings)."""
        return json.dumps(self._timings.to_plain())

    def namespace_changed(self) -> None:
        """The kernel ran a cell or restarted: answers kept for the words being typed may be wrong."""
        self._client.namespace_changed()
        self._agent.namespace_changed()
        if self.notebook is not None:
            self.notebook.kernel_changed()

    def leases_json(self) -> str:
        """The remote kernels' leases this session knows, for a store started afresh."""
        return json.dumps(self._handover.leases())

    def close(self) -> None:
        """Stop answering and cleaning, end the queries and release the store's subscriptions."""
        self._client.close()
        self._handover.stop()  # the notebook's view stays: only its executor stops
        self._agent.stop()
        self._audit.stop()
        self._cleanup.stop()
        for task in list(self._queries.values()):
            task.cancel()


class _ConsoleHandler(logging.Handler):
    """Log lines go to the browser console, warnings as warnings."""

    def emit(self, record: logging.LogRecord) -> None:
        line = f"[livecomplete] {self.format(record)}"
        if record.levelno >= logging.ERROR:
            js.console.error(line)
        elif record.levelno >= logging.WARNING:
            js.console.warn(line)
        else:
            js.console.info(line)


# One cleanup round at a time across the origin's tabs and workers.
CLEANUP_LOCK = "livecomplete-opfs-cleanup"


def options_json(overrides_json: str) -> str:
    """Every option, defaults filled in (camelCase JSON); raises ValueError naming a bad one."""
    return json.dumps(Options.from_mapping(json.loads(overrides_json)).to_mapping())


def python_objects() -> str:
    """JSON {count, byType}: the objects the page's Python tracks after a collection, and the
    ten most common types among them (for load figures: what grows shows by name)."""
    gc.collect()
    objects = gc.get_objects()
    by_type = collections.Counter(type(o).__qualname__ for o in objects)
    return json.dumps({"count": len(objects), "byType": dict(by_type.most_common(10))})


def _log_to_console() -> None:
    if not any(isinstance(h, _ConsoleHandler) for h in log.handlers):
        log.addHandler(_ConsoleHandler())
        log.setLevel(logging.INFO)
        log.propagate = False


def start(config: JsProxy) -> PageSession:
    """Wire client, agent and cleanup to the store and kernel in `config` (web/src/livecomplete.js)."""
    _log_to_console()
    options = Options.from_mapping(json.loads(config.optionsJson))
    store = LiveStoreCompletions(config.store, config.events, config.queries)
    timings = CompletionTimings()
    kernel = WorkerKernel(config.kernel)

    def on_computed(completion_id: str, ms: float) -> None:
        timings.record(completion_id, kernelMs=ms)
        if kernel.last_call_ms is not None:
            timings.record(completion_id, jediMs=kernel.last_call_ms)

    notebook = _page_notebook(config)
    agent = KernelAgent(
        store, kernel, agent_id=config.clientId, options=options, on_computed=on_computed,
        # Asked only once a request is dispatched, after the client below exists.
        still_wanted=lambda completion_id: client.waits_for(completion_id),
        other_cells=notebook.cells_above if notebook else lambda cell_id: (),
    )
    # Starts the agents, or keeps them standing by while a remote kernel serves the notebook.
    serving = AgentGroup(agent, notebook.executor) if notebook else agent
    carried = json.loads(getattr(config, "carriedLeasesJson", None) or "{}")
    may_serve = bool(getattr(config, "mayServe", True))
    handover = Handover(store, serving, on_change=config.onRemoteKernel, carried=carried, may_serve=may_serve)
    handover.start()

    def answering_namespace() -> str | None:
        # A remote kernel's namespace is named by the runs the main store says it ended; without
        # a main store it is unknown, and no stored answer is reused.
        if handover.serving:
            return notebook.remote_namespace(handover.serving) if notebook else None
        return kernel.namespace()

    client = CompletionClient(
        store, requested_by=config.clientId, options=options,
        on_answered=lambda completion_id, ms: timings.record(completion_id, roundTripMs=ms, answeredAt=now_ms()),
        namespace=answering_namespace,
        other_cells=notebook.cells_above if notebook else lambda cell_id: (),
    )
    audit = AnswerAudit(store)
    audit.start()
    cleanup = _cleanup_schedule(config, options)
    if config.persisted:
        cleanup.start()
    return PageSession(
        client, agent, handover, audit, cleanup, config.storeDirectory, timings, notebook, count_events=store.event_count)


def open_notebook(config: JsProxy) -> PageNotebook:
    """Show and follow the notebook's main store (web/src/livecomplete.js): {store, events,
    queries, notebookId, notebookDirectory, firstCellsJson, kernel, clientId, serveAtOnce,
    readOnly, onView(json)}."""
    _log_to_console()
    store = LiveStoreNotebook(config.store, config.events, config.queries, str(config.notebookId))
    notebook = PageNotebook(store, config.kernel, str(config.clientId), config.onView, str(config.notebookDirectory))
    notebook.start(json.loads(str(config.firstCellsJson)), bool(config.serveAtOnce), bool(getattr(config, "readOnly", False)))
    return notebook


def _page_notebook(config: JsProxy) -> PageNotebook | None:
    """The notebook `open_notebook` opened, when the host has one (config.notebook)."""
    notebook = getattr(config, "notebook", None)
    return notebook if isinstance(notebook, PageNotebook) else None


def _cleanup_schedule(config: JsProxy, options: Options) -> CleanupSchedule:
    version = int(config.storageFormatVersion)
    own_store = str(config.storeDirectory)
    on_cleanup = config.onCleanup
    opfs = _opfs.OpfsRoot()

    async def one_round(at_ms: float | None) -> CleanupReport:
        now = now_ms() if at_ms is None else at_ms
        if not config.persisted:
            return CleanupReport(started_at_ms=now, ran=False, note="OPFS is not available: nothing stored to clean")

        async def work() -> CleanupReport:
            return await run_round(
                opfs, now_ms=now, current_version=version, open_stores={own_store},
                retention_ms=options.cleanup_retention_days * DAY_MS,
            )

        ran, report = await _opfs.run_exclusively(CLEANUP_LOCK, work)
        if not ran:
            return CleanupReport(started_at_ms=now, ran=False, note="another tab is cleaning up")
        return report

    return CleanupSchedule(
        one_round,
        delay_ms=options.cleanup_delay_ms,
        interval_ms=options.cleanup_interval_ms,
        on_report=lambda report: on_cleanup(json.dumps(report.to_plain())),
    )
