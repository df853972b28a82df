"""Fixtures for unit tests under plain CPython: an in-memory completion store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from livecomplete import CompletionRequest


class MemoryStore:
    """A `CompletionStore` in memory that behaves like LiveStore in one tab.

    Watchers get the current rows at once and again, synchronously, inside every commit that
    changes them; the first answer for an id is kept and later ones only counted.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.responses: dict[str, dict[str, Any]] = {}
        self.answer_counts: dict[str, int] = {}
        self.commits = 0  # transactions that wrote responses
        self.kernels: dict[str, dict[str, Any]] = {}  # remote kernels announced and not left
        self.namespaces: dict[str, str] = {}  # completion id -> the namespace it was computed in
        self._watchers: list[tuple[Callable[[], list[dict]], Callable[[Sequence[dict]], None]]] = []

    # -- the CompletionStore interface
    def commit_request(self, request: CompletionRequest) -> None:
        event = request.to_event()
        if request.operation != "complete":
            event["operation"] = request.operation  # as the row reads once v1.OperationRequested is in
        self.commit_raw_request(event)

    def commit_responses(self, responses, computed_in=None) -> None:
        self.commits += 1
        for response in responses:
            self._record_response(response.to_event())
        for completion_id, namespace in (computed_in or {}).items():
            self.namespaces.setdefault(completion_id, namespace)
        self._notify()

    def stored_answer(self, namespace, source, cursor_position, operations=("complete",)):
        requests = {r.get("completionId"): r for r in self.requests if r.get("operation", "complete") in operations}
        found = [
            self.responses[i] for i, ns in self.namespaces.items()
            if ns == namespace and i in self.responses and i in requests
            and requests[i].get("source") == source and requests[i].get("cursorPosition") == cursor_position
            and self.responses[i].get("status") == "success"
        ]
        return max(found, key=lambda r: r.get("timestamp", 0), default=None)

    def watch_response(self, completion_id, on_rows):
        return self._watch(lambda: [r for i, r in self.responses.items() if i == completion_id], on_rows)

    def watch_open_requests(self, requested_by, on_rows):
        def rows():
            return [
                r for r in self.requests
                if requested_by in (None, r.get("requestedBy")) and r.get("completionId") not in self.responses
            ]
        return self._watch(rows, on_rows)

    def watch_anomalies(self, on_rows):
        def rows():
            requested = {r.get("completionId") for r in self.requests}
            return [
                {"completionId": i, "answers": n, "requested": int(i in requested)}
                for i, n in self.answer_counts.items()
                if n > 1 or i not in requested
            ]
        return self._watch(rows, on_rows)

    def watch_remote_kernels(self, on_rows):
        return self._watch(lambda: list(self.kernels.values()), on_rows)

    def commit_kernel_announced(self, kernel_id, lease_ms, announced_at=0.0):
        self.kernels[kernel_id] = {"kernelId": kernel_id, "leaseMs": lease_ms, "announcedAt": announced_at}
        self._notify()

    def commit_kernel_left(self, kernel_id):
        self.kernels.pop(kernel_id, None)
        self._notify()

    # -- what a hostile or buggy client could write
    def commit_raw_request(self, event: dict[str, Any]) -> None:
        self.requests.append(dict(event))
        self._notify()

    def commit_raw_response(self, event: dict[str, Any]) -> None:
        self.commits += 1
        self._record_response(event)
        self._notify()

    def _record_response(self, event: dict[str, Any]) -> None:
        completion_id = event.get("completionId")
        self.answer_counts[completion_id] = self.answer_counts.get(completion_id, 0) + 1
        self.responses.setdefault(completion_id, dict(event))

    def rebase(self, completion_id: str) -> None:
        """Roll back and replay an answer, as LiveStore does when another tab's events arrive first.

        Watchers briefly see the request open again, then answered.
        """
        response = self.responses.pop(completion_id)
        self._notify()
        self.responses[completion_id] = response
        self._notify()

    @property
    def watcher_count(self) -> int:
        return len(self._watchers)

    def _watch(self, rows, on_rows):
        entry = (rows, on_rows)
        self._watchers.append(entry)
        on_rows(rows())

        def unsubscribe() -> None:
            self._watchers.remove(entry)

        return unsubscribe

    def _notify(self) -> None:
        for rows, on_rows in list(self._watchers):
            on_rows(rows())


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()
