"""The notebook's rows as plain data: what is valid, what the page shows, what a run commits."""

import logging
import math
import re

import pytest

from livecomplete.events import InvalidEvent
from livecomplete.notebook import (
    MAX_OUTPUT_CHARS,
    MAX_OUTPUTS_PER_CELL,
    MAX_SOURCE_CHARS,
    Cell,
    NotebookView,
    Output,
    QueueEntry,
    error_data,
    outputs_of_run,
    moved,
    placed,
    session_namespace,
    valid_queue,
)


def cell_row(cell_id="c1", position=1.0, **changes):
    fields = {"id": cell_id, "cellType": "code", "source": "x = 1", "position": position,
              "executionCount": None, "executionState": "idle"}
    fields.update(changes)
    return fields


def output_row(output_id="o1", cell_id="c1", output_type="stream", data=None, position=0.0, **changes):
    fields = {"id": output_id, "cellId": cell_id, "outputType": output_type,
              "data": {"name": "stdout", "text": "hi\n"} if data is None else data, "position": position}
    fields.update(changes)
    return fields


def queue_row(queue_id="q1", count=1, **changes):
    fields = {"id": queue_id, "cellId": "c1", "executionCount": count, "requestedBy": "page-1",
              "status": "pending", "assignedKernelSession": None}
    fields.update(changes)
    return fields


def invalid(message_part):
    return pytest.raises(InvalidEvent, match=re.escape(message_part))


# -- rows as LiveStore returns them ----------------------------------------------------------------


def test_a_valid_cell_row_is_read_with_its_fields():
    cell = Cell.from_row(cell_row(executionCount=3, executionState="completed", modifiedBy="page-2",
                                  assignedKernelSession="s1"))
    assert cell == Cell(id="c1", source="x = 1", position=1.0, execution_count=3,
                        execution_state="completed", modified_by="page-2")


def test_a_cell_row_without_optional_fields_takes_the_schema_defaults():
    cell = Cell.from_row({"id": "c1", "position": 2})
    assert (cell.source, cell.position, cell.execution_count, cell.execution_state) == ("", 2.0, None, "idle")
    assert isinstance(cell.position, float)


def test_a_valid_output_row_is_read_with_its_fields():
    output = Output.from_row(output_row(output_type="execute_result", data={"text/plain": "2"}, position=1))
    assert output == Output(id="o1", cell_id="c1", output_type="execute_result", data={"text/plain": "2"}, position=1.0)


def test_a_valid_queue_row_is_read_with_its_fields():
    entry = QueueEntry.from_row(queue_row(count=4, status="executing", assignedKernelSession="s1"))
    assert entry == QueueEntry(id="q1", cell_id="c1", execution_count=4, requested_by="page-1",
                               status="executing", session="s1")
    assert entry.order == (4, "q1")


def test_an_empty_session_on_a_queue_row_means_none():
    assert QueueEntry.from_row(queue_row(assignedKernelSession="")).session is None


@pytest.mark.parametrize("parse, what", [(Cell.from_row, "cell"), (Output.from_row, "output"),
                                         (QueueEntry.from_row, "execution request")])
@pytest.mark.parametrize("row", [["id", "c1"], "c1", None, 7])
def test_a_row_that_is_not_a_mapping_is_refused(parse, what, row):
    with invalid(f"{what} must be an object, got {type(row).__name__}"):
        parse(row)


@pytest.mark.parametrize("parse, make", [(Cell.from_row, cell_row), (Output.from_row, output_row),
                                         (QueueEntry.from_row, queue_row)])
@pytest.mark.parametrize("bad_id, shown", [(None, "None"), ("", "''"), (7, "7"), ("x" * 201, "'xxxxxxxxxx")])
def test_a_missing_empty_or_over_long_id_is_refused(parse, make, bad_id, shown):
    row = make()
    if bad_id is None:
        del row["id"]
    else:
        row["id"] = bad_id
    with invalid(f"id must be a string of 1..200 characters, got {shown}"):
        parse(row)


def test_an_id_of_exactly_200_characters_is_accepted():
    assert Cell.from_row(cell_row("c" * 200)).id == "c" * 200


@pytest.mark.parametrize("parse, make", [(Cell.from_row, cell_row), (Output.from_row, output_row)])
@pytest.mark.parametrize("position, shown", [(float("nan"), "nan"), (float("inf"), "inf"), (-math.inf, "-inf"),
                                             ("1.0", "'1.0'"), (True, "True"), (None, "None")])
def test_a_position_that_is_not_a_finite_number_is_refused(parse, make, position, shown):
    with invalid(f"position must be a finite number, got {shown}"):
        parse(make(position=position))


@pytest.mark.parametrize("count, shown", [(float("nan"), "nan"), ("2", "'2'"), (False, "False"), (None, "None")])
def test_a_queue_execution_count_that_is_not_a_finite_number_is_refused(count, shown):
    with invalid(f"executionCount must be a finite number, got {shown}"):
        QueueEntry.from_row(queue_row(count=count))


@pytest.mark.parametrize("state", ["done", "", None, "IDLE"])
def test_a_cell_with_an_unknown_execution_state_is_refused(state):
    with invalid(f"executionState {state!r} is not one of"):
        Cell.from_row(cell_row(executionState=state))


@pytest.mark.parametrize("cell_type", ["markdown", "sql", "raw", None])
def test_a_cell_that_is_not_a_code_cell_is_refused(cell_type):
    with invalid(f"is a {cell_type!r} cell; only code cells are shown"):
        Cell.from_row(cell_row(cellType=cell_type))


@pytest.mark.parametrize("count", [-1, 1.5, float("inf"), "3", True])
def test_a_cell_execution_count_that_is_not_a_whole_number_of_0_or_more_is_refused(count):
    with invalid(f"executionCount {count!r} must be a whole number of 0 or more"):
        Cell.from_row(cell_row(executionCount=count))


@pytest.mark.parametrize("count", [0, 7, 3.0])
def test_a_cell_execution_count_that_is_a_whole_number_is_accepted(count):
    assert Cell.from_row(cell_row(executionCount=count)).execution_count == int(count)


@pytest.mark.parametrize("source, type_name", [(42, "int"), (None, "NoneType"), (["x = 1"], "list")])
def test_a_cell_source_that_is_not_a_string_is_refused(source, type_name):
    with invalid(f"source must be a string, got {type_name}"):
        Cell.from_row(cell_row(source=source))


@pytest.mark.parametrize("output_type", ["html", None, "Stream"])
def test_an_output_of_an_unknown_type_is_refused(output_type):
    with invalid(f"outputType {output_type!r} is not one of"):
        Output.from_row(output_row(output_type=output_type))


def test_an_output_without_a_cell_id_is_refused():
    with invalid("cellId must be a string"):
        Output.from_row(output_row(cell_id=""))


@pytest.mark.parametrize("status", ["done", "", None, "running"])
def test_a_queue_entry_with_an_unknown_status_is_refused(status):
    with invalid(f"status {status!r} is not one of"):
        QueueEntry.from_row(queue_row(status=status))


@pytest.mark.parametrize("key", ["cellId", "requestedBy"])
def test_a_queue_entry_without_its_cell_or_requester_is_refused(key):
    with invalid(f"{key} must be a string"):
        QueueEntry.from_row(queue_row(**{key: None}))


# -- the view the page renders ---------------------------------------------------------------------


def shown(view):
    return [cell["id"] for cell in view["cells"]]


def test_cells_are_shown_in_position_order_then_by_id():
    rows = [cell_row("b", 2.0), cell_row("c", 1.0), cell_row("a", 2.0), cell_row("d", -5.0)]
    assert shown(NotebookView().build(rows, [])) == ["d", "c", "a", "b"]


def test_a_cell_is_shown_with_its_fields():
    view = NotebookView().build([cell_row(executionCount=2, executionState="completed")], [])
    assert view == {"cells": [{"id": "c1", "source": "x = 1", "sourceClipped": False, "executionCount": 2,
                               "executionState": "completed", "outputs": []}]}


def test_an_invalid_cell_is_left_out_with_one_warning_even_when_built_twice(caplog):
    rows = [cell_row("a", 1.0), cell_row("bad", float("nan")), cell_row("b", 2.0)]
    view = NotebookView()
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        first = view.build(rows, [])
        second = view.build(rows, [])
    assert shown(first) == shown(second) == ["a", "b"]
    assert len(caplog.records) == 1
    assert "bad" in caplog.records[0].getMessage() and "position" in caplog.records[0].getMessage()


def test_each_different_invalid_row_gets_its_own_warning(caplog):
    rows = [cell_row("bad1", executionState="x"), cell_row("bad2", cellType="sql"), "junk", cell_row("ok")]
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        view = NotebookView().build(rows, [])
    assert shown(view) == ["ok"]
    assert len(caplog.records) == 3


def test_an_output_of_a_cell_not_in_the_notebook_is_left_out_with_a_warning(caplog):
    outputs = [output_row("o1", "c1"), output_row("o-orphan", "deleted-cell")]
    view = NotebookView()
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        built = view.build([cell_row("c1")], outputs)
        view.build([cell_row("c1")], outputs)
    assert built["cells"][0]["outputs"] == [{"kind": "stdout", "text": "hi\n"}]
    assert len(caplog.records) == 1
    assert "o-orphan" in caplog.records[0].getMessage() and "deleted-cell" in caplog.records[0].getMessage()


def test_the_outputs_of_an_invalid_cell_are_left_out_too():
    view = NotebookView().build([cell_row("c1", "nope"), cell_row("c2")], [output_row("o1", "c1")])
    assert shown(view) == ["c2"] and view["cells"][0]["outputs"] == []


def test_a_source_longer_than_the_limit_is_shown_cut_and_said_so():
    long = "a" * MAX_SOURCE_CHARS + "TAIL"
    view = NotebookView().build([cell_row("long", source=long), cell_row("short", 2.0)], [])
    by_id = {cell["id"]: cell for cell in view["cells"]}
    assert by_id["long"]["source"] == "a" * MAX_SOURCE_CHARS and by_id["long"]["sourceClipped"] is True
    assert by_id["short"]["source"] == "x = 1" and by_id["short"]["sourceClipped"] is False


def test_a_source_of_exactly_the_limit_is_not_clipped():
    source = "a" * MAX_SOURCE_CHARS
    cell = NotebookView().build([cell_row(source=source)], [])["cells"][0]
    assert cell["source"] == source and cell["sourceClipped"] is False


def view_of(*outputs):
    return NotebookView().build([cell_row("c1")], list(outputs))["cells"][0]["outputs"]


def test_outputs_are_shown_as_kind_and_text_in_position_order():
    outputs = view_of(
        output_row("o4", output_type="error", data={"ename": "ValueError", "evalue": "bad"}, position=3),
        output_row("o2", data={"name": "stderr", "text": "careful\n"}, position=1),
        output_row("o3", output_type="execute_result", data={"text/plain": "42", "text/html": "<b>42</b>"}, position=2),
        output_row("o1", data={"name": "stdout", "text": "hello\n"}, position=0),
    )
    assert outputs == [
        {"kind": "stdout", "text": "hello\n"},
        {"kind": "stderr", "text": "careful\n"},
        {"kind": "value", "text": "42"},
        {"kind": "error", "text": "ValueError: bad"},
    ]


def test_an_error_with_a_traceback_shows_its_lines():
    data = {"ename": "NameError", "evalue": "x", "traceback": ["Traceback (most recent call last):", "NameError: x"]}
    assert view_of(output_row(output_type="error", data=data)) == [
        {"kind": "error", "text": "Traceback (most recent call last):\nNameError: x"}]


def test_a_display_data_output_shows_its_plain_text():
    data = {"text/plain": "<Figure>", "image/png": "iVBOR"}
    assert view_of(output_row(output_type="display_data", data=data)) == [{"kind": "value", "text": "<Figure>"}]


def test_markup_in_an_output_comes_back_verbatim_as_text():
    markup = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    outputs = view_of(
        output_row("o1", data={"name": "stdout", "text": markup}, position=0),
        output_row("o2", output_type="execute_result", data={"text/plain": markup}, position=1),
        output_row("o3", output_type="error", data={"ename": "E", "evalue": markup}, position=2),
    )
    assert [o["text"] for o in outputs] == [markup, markup, f"E: {markup}"]


def test_a_text_given_as_a_list_of_lines_is_joined():
    outputs = view_of(
        output_row("o1", data={"name": "stdout", "text": ["a\n", "b\n", "c"]}, position=0),
        output_row("o2", output_type="execute_result", data={"text/plain": ["1", "2"]}, position=1),
    )
    assert [o["text"] for o in outputs] == ["a\nb\nc", "12"]


def test_output_data_of_the_wrong_shape_shows_as_empty_text():
    outputs = view_of(
        output_row("o1", data="not a mapping", position=0),
        output_row("o2", output_type="execute_result", data={"text/plain": 42}, position=1),
    )
    assert outputs == [{"kind": "stdout", "text": ""}, {"kind": "value", "text": ""}]


def test_a_long_output_text_in_the_store_is_shown_cut_with_a_note():
    text = view_of(output_row(data={"name": "stdout", "text": "y" * (MAX_OUTPUT_CHARS + 10)}))[0]["text"]
    assert text.startswith("y" * MAX_OUTPUT_CHARS) and "y" * (MAX_OUTPUT_CHARS + 1) not in text
    assert "output truncated" in text and "10 more characters" in text


def test_more_outputs_than_the_limit_are_cut_to_the_first_ones():
    rows = [output_row(f"o{i:03}", data={"name": "stdout", "text": str(i)}, position=i)
            for i in range(MAX_OUTPUTS_PER_CELL + 5)]
    outputs = view_of(*reversed(rows))
    assert len(outputs) == MAX_OUTPUTS_PER_CELL
    assert [o["text"] for o in outputs] == [str(i) for i in range(MAX_OUTPUTS_PER_CELL)]


# -- the outputs a run commits ---------------------------------------------------------------------


def test_a_runs_outputs_are_stdout_stderr_value_then_error():
    result = {"error": "Traceback (most recent call last):\nValueError: no", "value": "3",
              "stderr": "warn\n", "stdout": "out\n"}
    assert outputs_of_run(result) == [
        {"outputType": "stream", "data": {"name": "stdout", "text": "out\n"}},
        {"outputType": "stream", "data": {"name": "stderr", "text": "warn\n"}},
        {"outputType": "execute_result", "data": {"text/plain": "3"}},
        {"outputType": "error", "data": {"ename": "ValueError", "evalue": "no",
                                         "traceback": ["Traceback (most recent call last):\nValueError: no"]}},
    ]


def test_empty_and_missing_parts_of_a_run_produce_no_output():
    assert outputs_of_run({"stdout": "", "stderr": None, "value": None, "error": ""}) == []
    assert outputs_of_run({}) == []
    assert outputs_of_run({"stdout": "", "stderr": "", "value": "None", "error": None}) == [
        {"outputType": "execute_result", "data": {"text/plain": "None"}}]


@pytest.mark.parametrize("key", ["stdout", "stderr", "value", "error"])
def test_a_run_output_longer_than_the_limit_is_cut_with_a_note_of_what_was_left_out(key):
    left_out = 12_345
    text = "z" * (MAX_OUTPUT_CHARS + left_out)
    (output,) = outputs_of_run({key: text})
    data = output["data"]
    kept = data["traceback"][0] if key == "error" else data.get("text", data.get("text/plain"))
    assert kept.startswith("z" * MAX_OUTPUT_CHARS) and "z" * (MAX_OUTPUT_CHARS + 1) not in kept
    assert "output truncated" in kept and "12,345" in kept
    assert len(kept) < MAX_OUTPUT_CHARS + 200


def test_a_run_output_of_exactly_the_limit_is_kept_whole():
    text = "z" * MAX_OUTPUT_CHARS
    assert outputs_of_run({"stdout": text}) == [{"outputType": "stream", "data": {"name": "stdout", "text": text}}]


def test_error_data_names_the_exception_from_the_traceback_last_line():
    traceback = ("Traceback (most recent call last):\n  File \"<cell 1>\", line 1, in <module>\n"
                 "NameError: name 'x' is not defined\n")
    assert error_data(traceback) == {
        "ename": "NameError", "evalue": "name 'x' is not defined",
        "traceback": [traceback.rstrip("\n")],
    }


@pytest.mark.parametrize("text, ename, evalue", [
    ("KeyboardInterrupt", "KeyboardInterrupt", ""),
    ("json.decoder.JSONDecodeError: Expecting value", "json.decoder.JSONDecodeError", "Expecting value"),
    ("something odd happened here", "Error", "something odd happened here"),
    ("", "Error", ""),
])
def test_error_data_of_unusual_tracebacks(text, ename, evalue):
    data = error_data(text)
    assert (data["ename"], data["evalue"]) == (ename, evalue)


# -- positions of cells ----------------------------------------------------------------------------


def order_of(positions):
    return [cell for cell, _ in sorted(positions.items(), key=lambda item: (item[1], item[0]))]


def test_a_cell_inserted_between_two_goes_halfway_and_only_it_moves():
    positions = {"a": 1.0, "b": 2.0, "c": 3.0}
    assert placed(["a", "new", "b", "c"], positions, "new") == {"new": 1.5}
    assert placed(["a", "b", "new", "c"], positions, "new") == {"new": 2.5}


def test_a_cell_inserted_first_or_last_goes_one_past_its_neighbour():
    positions = {"a": 1.0, "b": 2.0}
    assert placed(["new", "a", "b"], positions, "new")["new"] < 1.0
    assert placed(["a", "b", "new"], positions, "new")["new"] > 2.0
    assert placed(["new"], {}, "new") == {"new": 1.0}


@pytest.mark.parametrize("index, offset, order", [
    (1, -1, ["b", "a", "c"]),
    (2, -1, ["a", "c", "b"]),
    (2, -2, ["c", "a", "b"]),
    (0, 1, ["b", "a", "c"]),
    (1, 1, ["a", "c", "b"]),
    (0, 2, ["b", "c", "a"]),
])
def test_a_moved_cell_lands_between_its_new_neighbours(index, offset, order):
    positions = {"a": 1.0, "b": 2.0, "c": 3.0}
    new_order = moved(["a", "b", "c"], index, offset)
    assert new_order == order
    changed = placed(new_order, positions, ["a", "b", "c"][index])
    assert len(changed) == 1
    assert order_of(positions | changed) == order


@pytest.mark.parametrize("index, offset", [(0, -1), (2, 1), (1, 2), (1, -2), (1, 0), (0, 0), (5, -1)])
def test_a_move_past_either_end_or_by_nothing_is_none(index, offset):
    assert moved(["a", "b", "c"], index, offset) is None


def test_a_move_among_cells_with_equal_positions_renumbers_them_all():
    # Three tabs appending at once each compute `last + 1`: cells b, c, d all get position 2.0.
    positions = {"a": 1.0, "b": 2.0, "c": 2.0, "d": 2.0}
    new_order = moved(["a", "b", "c", "d"], 3, -1)  # d up one place: between b and c
    changed = placed(new_order, positions, "d")
    assert order_of(positions | changed) == ["a", "b", "d", "c"]
    assert changed == {"a": 1.0, "b": 2.0, "d": 3.0, "c": 4.0}


def test_many_cells_inserted_after_the_same_cell_always_keep_the_order_asked():
    positions = {"first": 1.0, "last": 2.0}
    order = ["first", "last"]
    for number in range(80):  # "add a cell below the first one", again and again
        cell = f"new{number:02d}"
        order = [order[0], cell, *order[1:]]
        positions |= placed(order, positions, cell)
        assert order_of(positions) == order


# -- namespaces and the queue ----------------------------------------------------------------------


def test_a_session_that_ran_nothing_has_the_fresh_namespace():
    assert session_namespace("s1", 0) == session_namespace("s2", 0) == "fresh"


def test_namespaces_differ_by_session_and_by_runs_and_repeat_for_the_same_inputs():
    names = {session_namespace(s, n) for s in ("s1", "s2") for n in (1, 2, 3)}
    assert len(names) == 6 and "fresh" not in names
    assert session_namespace("s1", 2) == session_namespace("s1", 2)


def test_the_valid_queue_is_sorted_by_execution_count_then_id():
    rows = [queue_row("q-b", 2), queue_row("q-c", 1), queue_row("q-a", 2), queue_row("q-d", 10)]
    assert [e.id for e in valid_queue(rows)] == ["q-c", "q-a", "q-b", "q-d"]


def test_the_valid_queue_skips_invalid_rows_with_one_warning_each(caplog):
    rows = [queue_row("vq-1", 2), queue_row("vq-bad-count", "x"), queue_row("vq-bad-status", 1, status="?"),
            "vq-junk", queue_row("vq-2", 1)]
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        first = valid_queue(rows)
        second = valid_queue(rows)
    assert [e.id for e in first] == [e.id for e in second] == ["vq-2", "vq-1"]
    assert len(caplog.records) == 3
