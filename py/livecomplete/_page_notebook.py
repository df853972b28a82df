"""The page's side of the notebook's main store: the view it renders, the edits and runs it asks
for, and the page kernel's execution agent.

JavaScript (web/src/notebook-handle.js) calls these with plain values and receives the view as
JSON; nothing else crosses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy, create_once_callable  # type: ignore[import-not-found]

from ._notebook_livestore import LiveStoreNotebook
from .executor import ExecutionAgent
from .notebook import Cell, NotebookView, cells_above_in, code_cells, session_namespace

__all__ = ["PageNotebook", "WorkerRunner"]

log = logging.getLogger("livecomplete")


class WorkerRunner:
    """`executor.Runner` over the page's kernel worker handle (web/src/kernel.js)."""

    def __init__(self, handle: JsProxy) -> None:
        self._handle = handle

    def session(self) -> str:
        return str(self._handle.launchId)

    def run(self, code: str) -> Awaitable[Mapping[str, Any]]:
        called = self._handle.run(code)  # posted to the worker now, not when awaited

        async def result() -> Mapping[str, Any]:
            answer = await called
            fields = answer.to_py() if hasattr(answer, "to_py") else {}
            # JS null (a cell with no value) arrives as `jsnull`: only strings are output.
            return {key: fields.get(key) if isinstance(fields.get(key), str) else None
                    for key in ("stdout", "stderr", "value", "error")}

        return result()


class PageNotebook:
    """What JavaScript holds for the notebook: its view (`on_view(json)` on every change) and the
    person's edits. `executor` runs this page's requests on the page's kernel."""

    def __init__(
        self, store: LiveStoreNotebook, kernel: JsProxy, client_id: str, on_view: Any, directory: str
    ) -> None:
        self._store = store
        self.directory = directory  # the main store's OPFS directory (for the storage panel)
        self._client_id = client_id
        self._on_view = on_view
        self._view = NotebookView()
        self._rows: dict[str, Sequence[Any]] = {"cells": [], "outputs": []}
        self._render_due = False
        # The code cells in order, read from the rows once per change of them (`cells_above`
        # is asked on every request, by the client and the kernel agent alike).
        self._code_cells: tuple[Sequence[Any], list[Cell]] | None = None
        self._runner = WorkerRunner(kernel)
        self._last_session = self._runner.session()
        self.executor = ExecutionAgent(
            store, self._runner, kernel_id=f"page:{client_id}", requested_by=client_id,
            # A run asked is started right after its commit, before any timer of the page.
            soon=lambda callback: js.queueMicrotask(create_once_callable(callback)),
        )

    def start(self, first_cells: Sequence[str], serve_at_once: bool, read_only: bool = False) -> None:
        """Show the notebook and follow it; a new notebook gets cells holding `first_cells`
        unless `read_only` (a read token: the page writes nothing). `serve_at_once`: run this
        page's requests from now on (no sync backend, so no remote kernel can serve it); else
        the hand-over starts the executor once it knows who serves."""
        # The executor follows the store before the view does: a run asked in one commit is then
        # picked before the view renders it queued, and one render shows it running.
        if serve_at_once:
            self.executor.start()
        if not read_only and not self._store.is_initialized():
            self._store.initialize("Untitled notebook", self._client_id, [str(s) for s in first_cells] or [""])
        # For the page's life: the notebook is shown until the page goes.
        for table in ("cells", "outputs"):
            self._store.watch_table(table, self._rows_of(table))
        # The first view at once: a later turn of the loop would come after the rest of the
        # page's start (the completion session), and the notebook would show that much later.
        self._render()

    def _rows_of(self, name: str) -> Any:
        def on_rows(rows: Sequence[Any]) -> None:
            self._rows[name] = rows
            # Both tables change in one commit (a run's end): render once, after both.
            # A microtask runs once the commit is done, before any timer: no turn of the loop.
            if not self._render_due:
                self._render_due = True
                js.queueMicrotask(create_once_callable(self._render_if_due))

        return on_rows

    def _render_if_due(self) -> None:
        if self._render_due:  # not rendered since (the first view is rendered at once)
            self._render()

    def _render(self) -> None:
        self._render_due = False
        # The code cells in order, read from the rows once per change of them (`cells_above`
        # is asked on every request, by the client and the kernel agent alike).
        self._code_cells: tuple[Sequence[Any], list[Cell]] | None = None
        view = self._view.build(self._rows["cells"], self._rows["outputs"])
        self._on_view(json.dumps(view))

    def cells_above(self, cell_id: str) -> list[tuple[str, str]]:
        """(label, source) of the cells above `cell_id` as the page shows them (notebook.cells_above)."""
        rows = self._rows["cells"]
        if self._code_cells is None or self._code_cells[0] is not rows:
            self._code_cells = (rows, code_cells(rows))
        return cells_above_in(self._code_cells[1], cell_id)

    def remote_namespace(self, kernel_id: str) -> str | None:
        """The namespace remote kernel `kernel_id` completes in, by what the store says it ran;
        None before its session is known."""
        rows = self._store.kernel_namespace_rows(kernel_id)
        if not rows:
            return None
        return session_namespace(str(rows[0]["sessionId"]), int(rows[0]["runsEnded"]))

    def kernel_changed(self) -> None:
        """The page's kernel ran a cell or restarted: a restart ends its session in the store."""
        session = self._runner.session()
        if session != self._last_session:
            self._store.commit_session_terminated(self._last_session, "restart")
            self._last_session = session

    # -- the person's edits, from JavaScript ---------------------------------------------------

    def add_cell(self, after: str | None) -> str:
        return self._store.add_cell(after if isinstance(after, str) else None, self._client_id)

    def set_source(self, cell_id: str, source: str) -> None:
        self._store.set_source(cell_id, source, self._client_id)

    def run_cell(self, cell_id: str, source: str | None) -> str:
        return self._store.request_run(cell_id, source if isinstance(source, str) else None, self._client_id)

    def delete_cell(self, cell_id: str) -> None:
        self._store.delete_cell(cell_id)

    def move_cell(self, cell_id: str, offset: int) -> None:
        self._store.move_cell(cell_id, int(offset))
