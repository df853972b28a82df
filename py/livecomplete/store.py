"""The small interface the client and the kernel agent need from the completion store.

In the page and in a remote kernel it is LiveStore (``_livestore.LiveStoreCompletions``); in
unit tests an in-memory stand-in. Rows handed to watchers are raw, untrusted plain data
(camelCase event fields); callers validate them with ``events``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from .events import CompletionRequest, CompletionResponse

__all__ = ["CompletionStore", "Unsubscribe"]

Unsubscribe = Callable[[], None]
Row = Mapping[str, Any]


class CompletionStore(Protocol):
    def commit_request(self, request: CompletionRequest) -> None:
        """Commit `v1.CompletionRequested`, after a `v1.OperationRequested` naming its operation
        unless it is `complete` (in one commit, so a reader never sees it without)."""

    def commit_responses(
        self, responses: Sequence[CompletionResponse], computed_in: Mapping[str, str] | None = None
    ) -> None:
        """Commit one `v1.CompletionReceived` per response, all in one transaction, with a
        `v1.CompletionNamespace` for each completion id in `computed_in` (id -> namespace)."""

    def stored_answer(
        self, namespace: str, source: str, cursor_position: int, operations: Sequence[str] = ("complete",)
    ) -> Row | None:
        """The newest successful response (a raw row, camelCase fields) to a request of one of
        `operations` with this `source` and `cursor_position`, computed in `namespace`; None when
        none is."""

    def watch_response(self, completion_id: str, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        """Call `on_rows` with the responses stored for `completion_id` (now, and on every change)."""

    def watch_anomalies(self, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        """Call `on_rows` with `{completionId, answers, requested}` for every answer the store
        holds but does not use: `answers > 1`, or `requested` false (now, and on every change)."""

    def watch_open_requests(
        self, requested_by: str | None, on_rows: Callable[[Sequence[Row]], None]
    ) -> Unsubscribe:
        """Call `on_rows` with the unanswered requests of `requested_by` (everyone's for None),
        now and on every change."""

    def watch_remote_kernels(self, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        """Call `on_rows` with `{kernelId, leaseMs, announcedAt}` for every remote kernel that
        announced itself and did not leave (now, and on every change)."""

    def commit_kernel_announced(self, kernel_id: str, lease_ms: float) -> None:
        """Commit `v1.KernelAnnounced`: this remote kernel serves the notebook for `lease_ms`."""

    def commit_kernel_left(self, kernel_id: str) -> None:
        """Commit `v1.KernelLeft`: this remote kernel stops serving the notebook."""
