"""Kernel side of the store: observe unanswered requests, ask the kernel, commit the answer.

The agent watches the store for open `v1.CompletionRequested` events addressed to it (a page's
own, or everyone's for a remote kernel that serves the notebook), hands the newest of each cell
(of each person) to a kernel backend (a Pyodide worker in the page, or the kernel in-process),
and commits exactly one `v1.CompletionReceived` per request: `success`; `error` when the kernel
raised; `timeout` when the kernel cannot answer in time (busy running a cell, still starting
after `kernelTimeoutMs`, or a call that did not return within it), then with local suggestions
(`fallback`) marked as such. A starting kernel is waited for: it is seconds from answering. An
identical request (same cell text and cursor) since the namespace last changed is answered from
the agent's earlier computation. Each answer computed in the kernel's namespace is committed with
a `v1.CompletionNamespace` naming it, so pages answer an identical request from the store
(`client`), across visits and tabs. A request superseded by a newer one from the same
cell is never computed: it is answered with `timeout` and no suggestions, together with the
others superseded within `supersededFlushMs`. So is one its asker no longer waits for (a page's
own client says so: `still_wanted`), such as a word's request whose word the store answered.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .events import CompletionRequest, CompletionResponse, InvalidEvent, Status, Suggestion, now_ms
from .fallback import local_suggestions
from .offsets import utf16_to_index
from .options import Options
from .other_cells import named_with
from .store import CompletionStore, Unsubscribe

__all__ = ["FRESH_NAMESPACE", "Answered", "KernelAgent", "KernelBackend", "kernel_namespace"]

log = logging.getLogger("livecomplete")

# How many answered request ids an agent remembers; a rebase only reopens recent ones.
REMEMBERED_ANSWERS = 10_000

# What a kernel is doing (`KernelBackend.state`). Unlike a cell that runs (for as long as it
# likes), a start ends within seconds: the agent waits for it (`KernelBackend.started`).
KernelState = Literal["starting", "ready", "busy", "stopped"]

# The namespace of a kernel that has run no cell: the same names in every such kernel, so an
# answer computed in one holds for all (see `KernelBackend.namespace`).
FRESH_NAMESPACE = "fresh"


def kernel_namespace(launch_id: str, cells_run: int) -> str:
    """The name of a kernel's namespace: FRESH_NAMESPACE until a cell runs, then unique to this
    launch of the kernel and the number of cells it ran."""
    return FRESH_NAMESPACE if cells_run == 0 else f"{launch_id}:{cells_run}"


class KernelBackend(Protocol):
    def state(self) -> KernelState:
        """What the kernel is doing now: only a `ready` kernel computes."""

    async def started(self) -> None:
        """Returns once the kernel is no longer `starting` (at once when it is not)."""

    def unavailable_because(self) -> str | None:
        """None when the kernel can compute now; else why not, in words for the local
        suggestions' note ("kernel busy running a cell")."""

    async def answer(
        self, operation: str, source: str, cursor: int, other_cells: Sequence[tuple[str, str]]
    ) -> Sequence[Suggestion]:
        """What `operation` (events.OPERATIONS) computes at `cursor` (UTF-16 offset) in `source`,
        knowing the code of `other_cells` ((label, source), `Kernel.answer`); raises when the
        kernel fails."""

    def mark_unresponsive(self, reason: str) -> None:
        """A call never returned: the kernel is stuck (the page then offers a restart)."""

    def namespace(self) -> str | None:
        """Names the namespace completions are computed in now: FRESH_NAMESPACE until a cell
        runs, then a name unique to this kernel and the cells it ran; None when unknown."""

    def wanted(self) -> None:
        """A request needs the kernel: start it now if its start is being held back (a page's
        kernel on a revisited notebook waits for the page's start and a pause in typing)."""


# How an answer was made, for logs: by Jedi, from an identical earlier computation, superseded
# by a newer request of its cell (or abandoned by its asker), local suggestions because the kernel
# could not answer, or the kernel raised.
How = Literal["computed", "reused", "superseded", "local", "error"]


@dataclass(frozen=True)
class Answered:
    """One answer committed, as the agent's `on_answered` hears of it."""

    request: CompletionRequest
    response: CompletionResponse
    how: How
    kernel_ms: float | None = None  # the kernel call's time, when it was computed
    namespace: str | None = None  # the kernel namespace it was computed in, when it was
    held_ms: float | None = None  # from the agent seeing the request to committing its answer


class KernelAgent:
    def __init__(
        self,
        store: CompletionStore,
        kernel: KernelBackend,
        *,
        agent_id: str,
        serves_everyone: bool = False,
        options: Options = Options(),
        clock: Callable[[], float] = now_ms,
        on_computed: Callable[[str, float], None] | None = None,
        on_answered: Callable[[Answered], None] | None = None,
        still_wanted: Callable[[str], bool] = lambda completion_id: True,
        other_cells: Callable[[str], Sequence[tuple[str, str]]] = lambda cell_id: (),
    ) -> None:
        self.agent_id = agent_id
        # The cells above a cell ((label, source), nearest last) by its id: the notebook's main
        # store, when there is one (notebook.cells_above); their code not run helps completion.
        self._other_cells = other_cells
        # Whether the asker still waits for a request's answer (by completion id); only a page's
        # own client can tell, so a remote kernel computes every newest request.
        self._still_wanted = still_wanted
        # A page's agent answers the page's own requests (requestedBy == agent_id); a remote
        # kernel's answers everyone's.
        self.serves_everyone = serves_everyone
        # Told (completion id, ms the kernel took) after each successful computation.
        self._on_computed = on_computed
        self._on_answered = on_answered
        self.options = options
        self._store = store
        self._kernel = kernel
        self._clock = clock
        # Requests being answered, with when the agent saw each (`Answered.held_ms`).
        self._in_flight: dict[str, float] = {}
        # Requests this agent answered. LiveStore rebases unconfirmed local commits when another
        # tab's events arrive first, and for a moment an answered request reads as open again;
        # remembering the answers keeps it from being answered twice.
        self._answered: collections.OrderedDict[str, None] = collections.OrderedDict()
        # The newest request seen per lane (who asked, which cell, which operation), by
        # (timestamp, arrival): older ones are superseded.
        self._newest: dict[tuple[str, str, str], tuple[float, int, str]] = {}
        self._arrivals = 0
        self._undispatched: list[CompletionRequest] = []
        self._unflushed: list[Answered] = []  # superseded, waiting for their shared commit
        self._tasks: set[asyncio.Task[None]] = set()
        # The kernel computes one completion at a time; queueing here keeps each call's timeout
        # about its own work, not about the calls ahead of it.
        self._kernel_turn = asyncio.Lock()
        self._unsubscribe: Unsubscribe | None = None
        # Answers computed in the kernel's current namespace, and its name, by (operation, source,
        # cursor, the cells above).
        self._computed: collections.OrderedDict[
            tuple[str, str, int, tuple[tuple[str, str], ...]], tuple[tuple[Suggestion, ...], str | None]
        ] = collections.OrderedDict()
        self.computations = 0  # Jedi calls made (the rest were answered without one)

    def namespace_changed(self) -> None:
        """A cell ran or the kernel restarted: answers computed before may be wrong now."""
        self._computed.clear()

    @property
    def running(self) -> bool:
        return self._unsubscribe is not None

    def start(self) -> None:
        if self._unsubscribe is None:
            serves = None if self.serves_everyone else self.agent_id
            self._unsubscribe = self._store.watch_open_requests(serves, self._on_open_requests)

    def stop(self) -> None:
        """Stop answering. Requests not answered yet stay open in the store (for whoever answers
        next: this agent started again, or another kernel)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in list(self._tasks):
            task.cancel()
        self._in_flight.clear()
        self._undispatched.clear()
        self._unflushed.clear()
        self._newest.clear()

    async def drain(self) -> None:
        """Wait until every request seen so far is answered (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _on_open_requests(self, rows: Sequence[Any]) -> None:
        fresh = []
        for row in rows:
            known = row.get("completionId") if isinstance(row, dict) else None
            if known in self._in_flight or known in self._answered:
                continue  # seen before: every change re-delivers all open rows
            try:
                request = CompletionRequest.from_event(row, self.options)
            except InvalidEvent as error:
                log.warning("kernel agent: ignored an invalid request: %s", error)
                continue
            if (
                (request.requested_by != self.agent_id and not self.serves_everyone)
                or request.completion_id in self._in_flight
                or request.completion_id in self._answered
            ):
                continue
            self._in_flight[request.completion_id] = self._clock()
            self._arrivals += 1
            rank = (request.timestamp, self._arrivals, request.completion_id)
            lane = _lane(request)
            if rank > self._newest.get(lane, (-1.0, 0, "")):
                self._newest[lane] = rank
            fresh.append(request)
        if fresh:
            self._undispatched.extend(fresh)
            if len(self._undispatched) == len(fresh):
                # One dispatch for everything that arrives before it runs (a burst is one batch),
                # and not inside the subscription callback: committing there would re-enter it.
                self._track(asyncio.ensure_future(self._dispatch()))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _superseded(self, request: CompletionRequest) -> bool:
        """A newer request of its lane came, or its asker stopped waiting: no need to compute it."""
        newest = self._newest[_lane(request)][2]
        return newest != request.completion_id or not self._still_wanted(request.completion_id)

    async def _dispatch(self) -> None:
        fresh, self._undispatched = self._undispatched, []
        superseded = [r for r in fresh if self._superseded(r)]
        if superseded:
            self._unflushed.extend(Answered(r, self._response(r, (), "timeout"), "superseded") for r in superseded)
            if len(self._unflushed) == len(superseded):
                self._track(asyncio.ensure_future(self._flush_superseded()))
        for request in fresh:
            if not self._superseded(request):
                self._track(asyncio.ensure_future(self._answer(request)))

    async def _flush_superseded(self) -> None:
        await asyncio.sleep(self.options.superseded_flush_ms / 1000)
        answers, self._unflushed = self._unflushed, []
        self._commit(answers)

    async def _answer(self, request: CompletionRequest) -> None:
        async with self._kernel_turn:
            if self._superseded(request):  # a newer request of its cell came while it waited
                answered = Answered(request, self._response(request, (), "timeout"), "superseded")
            else:
                answered = await self._compute(request)
        self._commit([answered])

    def _response(self, request: CompletionRequest, suggestions: Sequence[Suggestion], status: Status) -> CompletionResponse:
        return CompletionResponse(
            completion_id=request.completion_id,
            suggestions=tuple(suggestions[: self.options.max_suggestions]),
            status=status,
            timestamp=self._clock(),
        )

    def _commit(self, answers: list[Answered]) -> None:
        ids = [a.request.completion_id for a in answers]
        seen_at = {i: self._in_flight.get(i) for i in ids}
        computed_in = {a.request.completion_id: a.namespace for a in answers if a.namespace is not None}
        try:
            self._store.commit_responses([a.response for a in answers], computed_in)
            for completion_id in ids:
                self._remember_answered(completion_id)
        except Exception:
            log.exception("kernel agent: could not answer %d completions", len(answers))
            return
        finally:
            # Only now: while committing, the store may deliver these rows as still open.
            for completion_id in ids:
                self._in_flight.pop(completion_id, None)
        if self._on_answered is not None:
            now = self._clock()
            for answered in answers:
                seen = seen_at[answered.request.completion_id]
                self._on_answered(dataclasses.replace(answered, held_ms=None if seen is None else now - seen))

    def _remember_answered(self, completion_id: str) -> None:
        self._answered[completion_id] = None
        if len(self._answered) > REMEMBERED_ANSWERS:
            self._answered.popitem(last=False)

    async def _compute(self, request: CompletionRequest) -> Answered:
        def answered(
            suggestions: Sequence[Suggestion], status: Status, how: How, kernel_ms: float | None = None,
            namespace: str | None = None,
        ) -> Answered:
            return Answered(request, self._response(request, suggestions, status), how, kernel_ms, namespace)

        others = self._cells_above(request.cell_id)
        key = (request.operation, request.source, request.cursor_position, others)
        # Describing a highlighted option again, retyping a word, or another person asking the
        # same (a remote kernel) then costs no Jedi call; `keptComputations` bounds the cache.
        if key in self._computed:
            self._computed.move_to_end(key)
            kept, namespace = self._computed[key]
            return answered(kept, "success", "reused", namespace=namespace)
        if self._kernel.state() == "starting":
            self._kernel.wanted()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kernel.started(), self.options.kernel_timeout_ms / 1000)
            if self._superseded(request):  # typed on while the kernel started
                return Answered(request, self._response(request, (), "timeout"), "superseded")
        reason = self._kernel.unavailable_because()
        if reason is not None:
            return answered(self._local(request, reason), "timeout", "local")
        try:
            began = self._clock()
            namespace = self._kernel.namespace()
            self.computations += 1
            suggestions = tuple(await asyncio.wait_for(
                self._kernel.answer(request.operation, request.source, request.cursor_position, others),
                self.options.kernel_timeout_ms / 1000,
            ))
            kernel_ms = self._clock() - began
            if self._kernel.namespace() != namespace:
                namespace = None  # a cell ran meanwhile: which names the answer saw is unclear
            # Computed knowing the cells above: it holds while they are unchanged.
            namespace = named_with(namespace, others)
            if self._on_computed is not None:
                self._on_computed(request.completion_id, kernel_ms)
            self._computed[key] = (suggestions, namespace)
            while len(self._computed) > self.options.kept_computations:
                self._computed.popitem(last=False)
            return answered(suggestions, "success", "computed", kernel_ms, namespace)
        except TimeoutError:
            log.warning(
                "kernel agent: completion %s took longer than %d ms",
                request.completion_id, self.options.kernel_timeout_ms,
            )
            self._kernel.mark_unresponsive(f"a completion did not return within {self.options.kernel_timeout_ms} ms")
            return answered(self._local(request, "kernel not responding"), "timeout", "local")
        except Exception as error:
            log.warning("kernel agent: completion %s failed: %s", request.completion_id, error)
            return answered((), "error", "error")

    def _cells_above(self, cell_id: str) -> tuple[tuple[str, str], ...]:
        try:
            return tuple(self._other_cells(cell_id))
        except Exception:  # the notebook's store failing is no reason to fail the completion
            log.exception("kernel agent: could not read the cells above %s", cell_id)
            return ()

    def _local(self, request: CompletionRequest, why: str) -> list[Suggestion]:
        if request.operation == "signature":
            return []  # only the kernel knows what a call takes
        index = utf16_to_index(request.source, request.cursor_position)
        return local_suggestions(request.source, index, why=why, limit=self.options.max_suggestions)


def _lane(request: CompletionRequest) -> tuple[str, str, str]:
    # Cell ids are per notebook page ("cell-2"), so a kernel serving several people keeps one
    # lane per person, cell and operation: one person's typing never supersedes another's
    # request, and a description or a signature never supersedes the cell's completions.
    return (request.requested_by, request.cell_id, request.operation)
