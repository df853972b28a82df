"""`executor.NotebookStore` over the notebook's main LiveStore store (web/src/notebook-schema.js),
plus the page's own edits: cells created, edited, moved, deleted, and runs asked for.

Needs Pyodide. As in `_livestore`, events are copied into JS objects and subscription callbacks
are proxies released when the subscription ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy, jsnull, to_js  # type: ignore[import-not-found]

from ._livestore import subscribe
from .executor import new_id
from .notebook import clip_source, moved, placed
from .store import Row, Unsubscribe

__all__ = ["LiveStoreNotebook"]


def _plain(rows: Any) -> list[Any]:
    """Rows as Python data; SQL NULL (JS null, Pyodide's `jsnull`) becomes None."""
    return [
        {key: None if value is jsnull else value for key, value in row.items()} if isinstance(row, dict) else row
        for row in rows.to_py()
    ]


def _to_js(data: Mapping[str, Any]) -> JsProxy:
    return to_js(dict(data), dict_converter=js.Object.fromEntries)


class LiveStoreNotebook:
    def __init__(self, store: JsProxy, events: JsProxy, queries: JsProxy, notebook_id: str) -> None:
        self._store = store
        self._events = events
        self._queries = queries
        self.notebook_id = notebook_id

    # -- reading ---------------------------------------------------------------------------------

    def _rows(self, query: JsProxy) -> list[Any]:
        return _plain(self._store.query(query))

    def cell(self, cell_id: str) -> Row | None:
        rows = self._rows(self._queries.cell(cell_id))
        return rows[0] if rows else None

    def cells(self) -> list[Row]:
        return self._rows(self._queries.cells())

    def terminated_sessions(self) -> set[str]:
        return {row["sessionId"] for row in self._rows(self._queries.terminatedSessions()) if isinstance(row, dict)}

    def kernel_namespace_rows(self, kernel_id: str) -> list[Row]:
        """[{sessionId, runsEnded}] of the kernel's newest active session (none: no session)."""
        return self._rows(self._queries.kernelNamespace(kernel_id))

    def is_initialized(self) -> bool:
        return bool(self._rows(self._queries.notebook())) or bool(self.cells())

    def watch_open_runs(self, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        return self.watch(self._queries.openRuns(), on_rows)

    def watch_table(self, table: str, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        """Call `on_rows` with every row of `table` ('cells' or 'outputs'), now and on every change."""
        return self.watch(getattr(self._queries, table)(), on_rows)

    def watch(self, query: JsProxy, on_rows: Callable[[Sequence[Row]], None]) -> Unsubscribe:
        return subscribe(self._store, query, lambda rows: on_rows(_plain(rows)))

    # -- a kernel's commits ----------------------------------------------------------------------

    def commit_session_started(self, session_id: str, kernel_id: str) -> None:
        capabilities = {"canExecuteCode": True, "canExecuteSql": False, "canExecuteAi": False}
        self._store.commit(self._events.kernelSessionStarted(_to_js({
            "sessionId": session_id, "kernelId": kernel_id, "kernelType": "python3",
            "capabilities": _to_js(capabilities),
        })))

    def commit_session_terminated(self, session_id: str, reason: str) -> None:
        self._store.commit(self._events.kernelSessionTerminated(_to_js({"sessionId": session_id, "reason": reason})))

    def commit_run_started(self, queue_id: str, cell_id: str, session_id: str) -> None:
        self._store.commit(
            self._events.executionAssigned(_to_js({"queueId": queue_id, "kernelSessionId": session_id})),
            self._events.executionStarted(_to_js({"queueId": queue_id, "kernelSessionId": session_id})),
            self._events.cellOutputsCleared(_to_js({"cellId": cell_id, "clearedBy": session_id})),
        )

    def commit_run_ended(
        self, queue_id: str, cell_id: str, outputs: Sequence[Mapping[str, Any]], status: str, error: str | None
    ) -> None:
        added = [
            self._events.cellOutputAdded(_to_js({
                "id": new_id(), "cellId": cell_id, "outputType": output["outputType"],
                "data": to_js(output["data"], dict_converter=js.Object.fromEntries), "position": position,
            }))
            for position, output in enumerate(outputs)
        ]
        ended = {"queueId": queue_id, "status": status, **({"error": error} if error else {})}
        self._store.commit(*added, self._events.executionCompleted(_to_js(ended)))

    # -- the page's edits ------------------------------------------------------------------------

    def initialize(self, title: str, owner: str, sources: Sequence[str]) -> None:
        """A new notebook: its record and one cell per source, in one commit."""
        created = []
        for position, source in enumerate(sources, start=1):
            cell_id = new_id()
            created.append(self._events.cellCreated(_to_js(
                {"id": cell_id, "cellType": "code", "position": float(position), "createdBy": owner})))
            if source:
                created.append(self._source_event(cell_id, source, owner))
        notebook = self._events.notebookInitialized(_to_js({"id": self.notebook_id, "title": title, "ownerId": owner}))
        self._store.commit(notebook, *created)

    def add_cell(self, after: str | None, by: str) -> str:
        """A new empty cell after cell `after` (None or unknown: at the end); returns its id."""
        rows = self.cells()
        order = [row["id"] for row in rows]
        positions = {row["id"]: float(row["position"]) for row in rows}
        cell_id = new_id()
        at = order.index(after) + 1 if after in order else len(order)
        new_positions = placed([*order[:at], cell_id, *order[at:]], positions, cell_id)
        self._store.commit(
            self._events.cellCreated(_to_js(
                {"id": cell_id, "cellType": "code", "position": new_positions[cell_id], "createdBy": by})),
            *self._moves(new_positions, skip=cell_id),
        )
        return cell_id

    def _moves(self, new_positions: Mapping[str, float], skip: str | None = None) -> list[JsProxy]:
        return [
            self._events.cellMoved(_to_js({"id": cell, "newPosition": position}))
            for cell, position in new_positions.items() if cell != skip
        ]

    def set_source(self, cell_id: str, source: str, by: str) -> None:
        self._store.commit(self._source_event(cell_id, source, by))

    def _source_event(self, cell_id: str, source: str, by: str) -> JsProxy:
        return self._events.cellSourceChanged(_to_js({"id": cell_id, "source": clip_source(source), "modifiedBy": by}))

    def request_run(self, cell_id: str, source: str | None, by: str) -> str:
        """Ask for a run of the cell (saving `source` first, in the same commit, when given)."""
        rows = self._rows(self._queries.lastExecutionCount())
        count = int(rows[0]["last"]) + 1 if rows else 1
        queue_id = new_id()
        saved = [] if source is None else [self._source_event(cell_id, source, by)]
        self._store.commit(*saved, self._events.executionRequested(_to_js({
            "queueId": queue_id, "cellId": cell_id, "executionCount": count, "requestedBy": by, "priority": 0,
        })))
        return queue_id

    def delete_cell(self, cell_id: str) -> None:
        self._store.commit(self._events.cellDeleted(_to_js({"id": cell_id})))

    def move_cell(self, cell_id: str, offset: int) -> None:
        """Move the cell `offset` places (-1 up, 1 down); a move past either end does nothing."""
        rows = self.cells()
        order = [row["id"] for row in rows]
        if cell_id not in order:
            return
        new_order = moved(order, order.index(cell_id), offset)
        if new_order is not None:
            positions = {row["id"]: float(row["position"]) for row in rows}
            self._store.commit(*self._moves(placed(new_order, positions, cell_id)))
