"""`store.CompletionStore` over a LiveStore store: the page's (web/src/store.js) and a remote
kernel's (web/node/remote-kernel.js) alike.

Needs Pyodide. Only plain data crosses to JavaScript: events are copied into JS objects (LiveStore
keeps them), and subscription callbacks are proxies released when the subscription ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy, create_proxy, to_js  # type: ignore[import-not-found]

from .events import CompletionRequest, CompletionResponse, now_ms
from .store import Row, Unsubscribe

__all__ = ["LiveStoreCompletions", "row_to_event", "subscribe"]


def _to_js(data: dict[str, Any]) -> JsProxy:
    # A dict proxy would be destroyed after the call; LiveStore keeps the object, so copy it.
    return to_js(data, dict_converter=js.Object.fromEntries)


class LiveStoreCompletions:
    """`store.CompletionStore` over a LiveStore store (see web/src/store.js)."""

    def __init__(self, store: JsProxy, events: JsProxy, queries: JsProxy) -> None:
        self._store = store
        self._events = events
        self._queries = queries

    def commit_request(self, request: CompletionRequest) -> None:
        operation = [] if request.operation == "complete" else [self._events.operationRequested(
            _to_js({"completionId": request.completion_id, "operation": request.operation}))]
        self._store.commit(*operation, self._events.completionRequested(_to_js(request.to_event())))

    def commit_responses(
        self, responses: Sequence[CompletionResponse], computed_in: Mapping[str, str] | None = None
    ) -> None:
        tags = (computed_in or {}).items()
        self._store.commit(
            *(self._events.completionReceived(_to_js(r.to_event())) for r in responses),
            *(self._events.completionNamespace(_to_js({"completionId": i, "namespace": ns})) for i, ns in tags),
        )

    def stored_answer(
        self, namespace: str, source: str, cursor_position: int, operations: Sequence[str] = ("complete",)
    ) -> Row | None:
        query = self._queries.storedAnswer(namespace, source, cursor_position, to_js(list(operations)))
        rows = self._store.query(query).to_py()
        if not rows:
            return None
        row = row_to_event(rows[0])
        # The JSON column comes back as its text; CompletionResponse.from_event validates the rest.
        try:
            return {**row, "suggestions": json.loads(row["suggestions"])}
        except (TypeError, ValueError):
            return row

    def event_count(self) -> int:
        """How many events the requests and answers held here came from (queries.js eventCount)."""
        rows = self._store.query(self._queries.eventCount()).to_py()
        return int(rows[0]["events"]) if rows else 0

    def watch_response(self, completion_id: str, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        return self._watch(self._queries.responseFor(completion_id), on_rows)

    def watch_open_requests(
        self, requested_by: str | None, on_rows: Callable[[Sequence[Row]], None]
    ) -> Unsubscribe:
        query = self._queries.allOpenRequests() if requested_by is None else self._queries.openRequestsFor(requested_by)
        return self._watch(query, on_rows)

    def watch_remote_kernels(self, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        # Rows as `handover.KernelLeases` reads them.
        return self._watch(self._queries.remoteKernels(), on_rows, id_field="kernelId")

    def commit_kernel_announced(self, kernel_id: str, lease_ms: float) -> None:
        self._store.commit(self._events.kernelAnnounced(
            _to_js({"kernelId": kernel_id, "leaseMs": lease_ms, "timestamp": now_ms()})))

    def commit_kernel_left(self, kernel_id: str) -> None:
        self._store.commit(self._events.kernelLeft(_to_js({"kernelId": kernel_id, "timestamp": now_ms()})))

    def watch_anomalies(self, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        return self._watch(self._queries.anomalies(), on_rows)

    def _watch(
        self, query: JsProxy, on_rows: Callable[[Sequence[Row]], None], id_field: str = "completionId"
    ) -> Unsubscribe:
        return subscribe(self._store, query, lambda rows: on_rows([row_to_event(row, id_field) for row in rows.to_py()]))


def subscribe(store: JsProxy, query: JsProxy, on_rows: Callable[[JsProxy], None]) -> Unsubscribe:
    """Subscribe `on_rows` (given the JS rows) to `query`; the returned function ends the
    subscription and releases the callback's proxy."""
    callback = create_proxy(on_rows)
    stop = store.subscribe(query, callback)

    def unsubscribe() -> None:
        try:
            stop()
        except Exception:
            pass  # the store is already shut down, which ended the subscription too
        callback.destroy()

    return unsubscribe


def row_to_event(row: Any, id_field: str = "completionId") -> Any:
    """A table row in the event's field names (tables key on `id`, events say `completionId`,
    or `kernelId`)."""
    if isinstance(row, dict) and "id" in row:
        row = {id_field: row["id"], **{k: v for k, v in row.items() if k != "id"}}
    return row
