"""The notebook's main store as plain data: validation of its rows, the view the page renders,
the outputs a run commits, and the names of a kernel session's namespace.

The main store follows Anode's schema (web/src/notebook-schema.js). Its rows come from other
tabs, other people and kernels, so each is checked here: a row that does not fit is left out
with one warning naming it, and the rest of the notebook is shown as it is. Outputs are text
(a program's output is never markup), cut at `MAX_OUTPUT_CHARS` with a note saying so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .agent import kernel_namespace
from .events import MAX_ID_CHARS, InvalidEvent, finite_number
from .other_cells import nearest_cells

__all__ = [
    "MAX_OUTPUT_CHARS",
    "MAX_SOURCE_CHARS",
    "Cell",
    "NotebookView",
    "Output",
    "QueueEntry",
    "cells_above",
    "cells_above_in",
    "code_cells",
    "clip_source",
    "outputs_of_run",
    "moved",
    "placed",
    "session_namespace",
]

log = logging.getLogger("livecomplete")

# A cell's source as the store keeps it: LiveStore's sync refuses a push over 900,000 bytes, so
# an event larger than that never reaches anyone. A longer source is cut (and said so).
MAX_SOURCE_CHARS = 100_000
# One output's text; the rest of a long output is replaced by a note of how much was left out.
MAX_OUTPUT_CHARS = 20_000
# Outputs shown per cell (a run commits at most four: stdout, stderr, result, error).
MAX_OUTPUTS_PER_CELL = 50

EXECUTION_STATES = ("idle", "queued", "running", "completed", "error")
QUEUE_STATUSES = ("pending", "assigned", "executing", "completed", "failed", "cancelled")
OPEN_STATUSES = ("pending", "assigned", "executing")
OUTPUT_TYPES = ("display_data", "execute_result", "stream", "error")


def session_namespace(session_id: str, runs_ended: int) -> str:
    """The namespace a kernel session completes in after `runs_ended` runs: 'fresh' before any
    (every fresh kernel has the same names), then unique to the session and its runs."""
    from .agent import kernel_namespace

    return kernel_namespace(session_id, runs_ended)


@dataclasses.dataclass(frozen=True)
class Cell:
    id: str
    source: str
    position: float
    execution_count: int | None
    execution_state: str
    modified_by: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Cell:
        fields = _mapping(row, "cell")
        cell_type = fields.get("cellType", "code")
        if cell_type != "code":
            raise InvalidEvent(f"cell {fields.get('id')!r} is a {cell_type!r} cell; only code cells are shown")
        count = fields.get("executionCount")
        if count is not None and (finite_number(count) is None or count != int(count) or count < 0):
            raise InvalidEvent(f"executionCount {count!r} must be a whole number of 0 or more")
        state = fields.get("executionState", "idle")
        if state not in EXECUTION_STATES:
            raise InvalidEvent(f"executionState {state!r} is not one of {', '.join(EXECUTION_STATES)}")
        source = fields.get("source", "")
        if not isinstance(source, str):
            raise InvalidEvent(f"source must be a string, got {type(source).__name__}")
        modified_by = fields.get("modifiedBy")
        return cls(
            id=_id(fields, "id"),
            source=source,
            position=_number(fields, "position"),
            execution_count=None if count is None else int(count),
            execution_state=state,
            modified_by=modified_by if isinstance(modified_by, str) else None,
        )


@dataclasses.dataclass(frozen=True)
class Output:
    id: str
    cell_id: str
    output_type: str
    data: Any
    position: float

    @classmethod
    def from_row(cls, row: Any) -> Output:
        fields = _mapping(row, "output")
        output_type = fields.get("outputType")
        if output_type not in OUTPUT_TYPES:
            raise InvalidEvent(f"outputType {output_type!r} is not one of {', '.join(OUTPUT_TYPES)}")
        return cls(
            id=_id(fields, "id"),
            cell_id=_id(fields, "cellId"),
            output_type=output_type,
            data=fields.get("data"),
            position=_number(fields, "position"),
        )

    def view(self) -> dict[str, str]:
        """{kind, text}: what the page shows, as text; `kind` is stdout, stderr, value or error."""
        data = self.data
        if self.output_type == "stream":
            name = data.get("name") if isinstance(data, Mapping) else None
            return {"kind": "stderr" if name == "stderr" else "stdout", "text": _text(data, "text")}
        if self.output_type == "error":
            if isinstance(data, Mapping) and isinstance(data.get("traceback"), list):
                text = "\n".join(str(line) for line in data["traceback"])
            else:
                text = f"{_text(data, 'ename')}: {_text(data, 'evalue')}"
            return {"kind": "error", "text": _clipped(text)}
        # execute_result / display_data: a MIME bundle; the page shows its text/plain.
        return {"kind": "value", "text": _text(data, "text/plain")}


@dataclasses.dataclass(frozen=True)
class QueueEntry:
    id: str
    cell_id: str
    execution_count: int
    requested_by: str
    status: str
    session: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> QueueEntry:
        fields = _mapping(row, "execution request")
        status = fields.get("status", "pending")
        if status not in QUEUE_STATUSES:
            raise InvalidEvent(f"status {status!r} is not one of {', '.join(QUEUE_STATUSES)}")
        count = _number(fields, "executionCount")
        session = fields.get("assignedKernelSession")
        return cls(
            id=_id(fields, "id"),
            cell_id=_id(fields, "cellId"),
            execution_count=int(count),
            requested_by=_id(fields, "requestedBy"),
            status=status,
            session=session if isinstance(session, str) and session else None,
        )

    @property
    def order(self) -> tuple[int, str]:
        """Runs execute in the order they were asked: by execution count, then id."""
        return (self.execution_count, self.id)


class NotebookView:
    """Builds what the page shows from the store's rows, warning once per bad row."""

    def __init__(self) -> None:
        self._warned: set[str] = set()

    def build(self, cell_rows: Sequence[Any], output_rows: Sequence[Any]) -> dict[str, Any]:
        """{cells: [{id, source, executionCount, executionState, sourceClipped, outputs:
        [{kind, text}]}]}, cells in notebook order."""
        cells = sorted(self._valid(Cell.from_row, cell_rows), key=lambda c: (c.position, c.id))
        known = {cell.id for cell in cells}
        outputs: dict[str, list[Output]] = {}
        for output in self._valid(Output.from_row, output_rows):
            if output.cell_id not in known:
                self._warn(f"output {output.id}", f"its cell {output.cell_id!r} is not in the notebook")
                continue
            outputs.setdefault(output.cell_id, []).append(output)
        return {"cells": [self._cell_view(cell, outputs.get(cell.id, [])) for cell in cells]}

    def _cell_view(self, cell: Cell, outputs: list[Output]) -> dict[str, Any]:
        source = cell.source
        if len(source) > MAX_SOURCE_CHARS:
            self._warn(f"cell {cell.id}", f"its source has {len(source)} characters; showing the first {MAX_SOURCE_CHARS}")
            source = source[:MAX_SOURCE_CHARS]
        shown = sorted(outputs, key=lambda o: (o.position, o.id))
        if len(shown) > MAX_OUTPUTS_PER_CELL:
            self._warn(f"outputs of {cell.id}", f"{len(shown)} outputs; showing the first {MAX_OUTPUTS_PER_CELL}")
            shown = shown[:MAX_OUTPUTS_PER_CELL]
        return {
            "id": cell.id,
            "source": source,
            "sourceClipped": len(source) < len(cell.source),
            "executionCount": cell.execution_count,
            "executionState": cell.execution_state,
            "outputs": [o.view() for o in shown],
        }

    def _valid(self, parse: Any, rows: Iterable[Any]) -> list[Any]:
        valid = []
        for row in rows:
            try:
                valid.append(parse(row))
            except InvalidEvent as error:
                self._warn(repr(row)[:120], str(error))
        return valid

    def _warn(self, what: str, why: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            log.warning("notebook: left out %s: %s", what, why)


def valid_queue(rows: Sequence[Any]) -> list[QueueEntry]:
    """The valid execution requests among `rows`, in run order (a bad one is warned of, once per
    process, and skipped)."""
    entries = []
    for row in rows:
        try:
            entries.append(QueueEntry.from_row(row))
        except InvalidEvent as error:
            key = repr(row)[:120]
            if key not in _warned_queue:
                _warned_queue.add(key)
                log.warning("notebook: ignored an execution request %s: %s", key, error)
    return sorted(entries, key=lambda e: e.order)


_warned_queue: set[str] = set()


def outputs_of_run(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `v1.CellOutputAdded` outputs (without ids) of a run's result {stdout, stderr, value,
    error}: stream, execute_result, error, in that order; each text cut at MAX_OUTPUT_CHARS."""
    outputs: list[dict[str, Any]] = []
    for name in ("stdout", "stderr"):
        text = result.get(name)
        if text:
            outputs.append({"outputType": "stream", "data": {"name": name, "text": _clipped(text)}})
    value = result.get("value")
    if value is not None:
        outputs.append({"outputType": "execute_result", "data": {"text/plain": _clipped(value)}})
    error = result.get("error")
    if error:
        outputs.append({"outputType": "error", "data": error_data(error)})
    return outputs


def error_data(traceback_text: str) -> dict[str, Any]:
    """An error output's data, Jupyter's shape: {ename, evalue, traceback: [text]}."""
    last = traceback_text.rstrip().splitlines()[-1] if traceback_text.strip() else "Error"
    match = re.match(r"([\w.]+)(?::\s?(.*))?$", last)
    ename, evalue = (match[1], match[2] or "") if match else ("Error", last)
    return {"ename": ename, "evalue": evalue, "traceback": [_clipped(traceback_text.rstrip("\n"))]}


def code_cells(cell_rows: Sequence[Any]) -> list[Cell]:
    """The valid code cells of `cell_rows`, in notebook order (the view warns of the others)."""
    cells = []
    for row in cell_rows:
        with contextlib.suppress(InvalidEvent):
            cells.append(Cell.from_row(row))
    return sorted(cells, key=lambda c: (c.position, c.id))


def cells_above(cell_rows: Sequence[Any], cell_id: str) -> list[tuple[str, str]]:
    """(label, source) of the code cells above `cell_id`, in notebook order ("cell 2": the second
    from the top), the nearest that `other_cells.nearest_cells` keeps; none when the notebook has
    no such cell. Rows that are no valid code cell are left out (the view warns of them)."""
    return cells_above_in(code_cells(cell_rows), cell_id)


def cells_above_in(cells: Sequence[Cell], cell_id: str) -> list[tuple[str, str]]:
    """`cells_above` of cells already read (`code_cells`)."""
    index = next((i for i, cell in enumerate(cells) if cell.id == cell_id), None)
    if index is None:
        return []
    return nearest_cells([(f"cell {number}", cell.source) for number, cell in enumerate(cells[:index], start=1)])


def clip_source(source: str) -> str:
    """A source as the store keeps it (at most MAX_SOURCE_CHARS)."""
    return source[:MAX_SOURCE_CHARS]


def moved(order: Sequence[str], index: int, offset: int) -> list[str] | None:
    """The cell ids `order` with the one at `index` moved `offset` places (-1 up, 1 down); None
    when that is past either end or no move."""
    target = index + offset
    if offset == 0 or not 0 <= index < len(order) or not 0 <= target < len(order):
        return None
    rest = [cell for i, cell in enumerate(order) if i != index]
    return [*rest[:target], order[index], *rest[target:]]


def placed(order: Sequence[str], positions: Mapping[str, float], cell_id: str) -> dict[str, float]:
    """The positions to commit so that the cells sort as `order` (ids; `cell_id` at its new place,
    and it may be new): `cell_id`'s alone, halfway between its neighbours (one past the last, one
    before the first); or, when no number lies strictly between them (equal positions from two
    tabs adding at once, or halvings used up), every cell's, renumbered 1, 2, 3, …"""
    index = order.index(cell_id)
    before = positions[order[index - 1]] if index > 0 else None
    after = positions[order[index + 1]] if index + 1 < len(order) else None
    if before is None:
        candidate = 1.0 if after is None else after - 1.0
    else:
        candidate = before + 1.0 if after is None else (before + after) / 2
    if (before is None or candidate > before) and (after is None or candidate < after):
        return {cell_id: candidate}
    return {cell: float(number) for number, cell in enumerate(order, start=1)}


def _clipped(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    left_out = len(text) - MAX_OUTPUT_CHARS
    return f"{text[:MAX_OUTPUT_CHARS]}\n… output truncated: {left_out:,} more characters not kept (limit {MAX_OUTPUT_CHARS:,})"


def _text(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(value, list):  # Jupyter allows a list of lines
        value = "".join(str(part) for part in value)
    return _clipped(value) if isinstance(value, str) else ""


def _mapping(raw: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidEvent(f"a {what} must be an object, got {type(raw).__name__}")
    return raw


def _id(fields: Mapping[str, Any], key: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str) or not value or len(value) > MAX_ID_CHARS:
        raise InvalidEvent(f"{key} must be a string of 1..{MAX_ID_CHARS} characters, got {value!r:.80}")
    return value


def _number(fields: Mapping[str, Any], key: str) -> float:
    value = finite_number(fields.get(key))
    if value is None:
        raise InvalidEvent(f"{key} must be a finite number, got {fields.get(key)!r:.80}")
    return float(value)
