"""Code in other cells that has not run: which of it Jedi reads, what it completes, and its label."""

import asyncio

from livecomplete import CompletionRequest, KernelAgent, Kernel, Options
from livecomplete.notebook import MAX_SOURCE_CHARS, cells_above
from livecomplete.other_cells import MAX_OTHER_CELLS_CHARS, named_with, nearest_cells, preamble

LOAD = 'def load():\n    """Load the rows."""\n    return {"k": 1}\n'
NOTHING_DEFINED = lambda name: False  # noqa: E731


def cell_row(cell_id, position, source, **changes):
    fields = {"id": cell_id, "cellType": "code", "source": source, "position": position,
              "executionCount": None, "executionState": "idle"}
    fields.update(changes)
    return fields


# -- which cells: notebook.cells_above ---------------------------------------------------------------

def test_the_cells_above_come_in_notebook_order_numbered_from_the_top():
    rows = [cell_row("c", 3.0, "c = 3"), cell_row("a", 1.0, "a = 1"), cell_row("b", 2.0, "b = 2"),
            cell_row("d", 4.0, "d = 4")]
    assert cells_above(rows, "c") == [("cell 1", "a = 1"), ("cell 2", "b = 2")]
    assert cells_above(rows, "a") == []


def test_a_cell_the_notebook_does_not_hold_has_no_cells_above():
    # The plain editor (lc.completion('cell-1') without a notebook), or a cell deleted meanwhile.
    assert cells_above([cell_row("a", 1.0, "a = 1")], "cell-1") == []


def test_invalid_rows_and_markdown_cells_are_left_out_and_not_numbered():
    rows = [cell_row("a", 1.0, "a = 1"), cell_row("m", 2.0, "# Title", cellType="markdown"),
            cell_row("bad", 3.0, 42), {"not": "a cell"}, cell_row("b", 4.0, "b = 2"), cell_row("c", 5.0, "")]
    assert cells_above(rows, "c") == [("cell 1", "a = 1"), ("cell 2", "b = 2")]


def test_only_the_nearest_cells_that_fit_are_carried():
    big = "x = 1\n" * (MAX_SOURCE_CHARS // 6)
    cells = [(f"cell {n}", big) for n in range(1, 4)]
    kept = nearest_cells(cells)
    assert kept == cells[-(MAX_OTHER_CELLS_CHARS // len(big)):]
    assert sum(len(source) for _, source in kept) <= MAX_OTHER_CELLS_CHARS


# -- which code: other_cells.preamble ------------------------------------------------------------------

def test_definitions_are_kept_and_other_statements_left_out():
    source = ("import os\nfrom collections import Counter as C\nprint('hi')\n" + LOAD +
              "class Shape:\n    pass\nfor i in range(3):\n    j = i\nn: int = 3\na, (b, *c) = 1, (2, 3)\n"
              "d = {}\nd['k'] = 1\nobj.attr = 2\nfrom json import *\n")
    code = preamble([("cell 1", source)], NOTHING_DEFINED)
    assert code.text == (
        "import os\nfrom collections import Counter as C\n" + LOAD +
        "class Shape:\n    pass\nn: int = 3\na, (b, *c) = 1, (2, 3)\nd = {}\n"
    )
    assert code.spans == ((code.text.count("\n"), "cell 1, not run"),)


def test_a_decorated_definition_keeps_its_decorators():
    source = "import dataclasses\n\n@dataclasses.dataclass\nclass Point:\n    x: int\n"
    code = preamble([("cell 1", source)], lambda name: name == "dataclasses")
    assert code.text == "@dataclasses.dataclass\nclass Point:\n    x: int\n"


def test_a_statement_after_a_semicolon_is_cut_out_alone():
    code = preamble([("cell 1", "print(1); x = 2")], NOTHING_DEFINED)
    assert code.text == "x = 2\n"


def test_the_live_namespace_wins_where_both_know_a_name():
    code = preamble([("cell 1", "a = 1\nb = 2\na, c = 3, 4\n" + LOAD)], lambda name: name in {"a", "load"})
    assert code.text == "b = 2\na, c = 3, 4\n"  # `a, c`: c is new, so the statement counts


def test_nothing_to_add_gives_no_preamble():
    assert preamble([], NOTHING_DEFINED) is None
    assert preamble([("cell 1", "print(1)\nx = 1")], lambda name: True) is None


def test_a_cell_that_does_not_parse_gives_nothing_and_the_others_still_count():
    cells = [("cell 1", "def half(:\n"), ("cell 2", "b = 2"), ("cell 3", "\x00"), ("cell 4", "(" * 500 + ")" * 500)]
    code = preamble(cells, NOTHING_DEFINED)
    assert code.text == "b = 2\n"
    assert code.origin(1) == "cell 2, not run"


def test_each_line_is_labelled_with_its_cell():
    code = preamble([("cell 1", LOAD), ("cell 2", "print(2)"), ("cell 3", "x = 1\ny = 2")], NOTHING_DEFINED)
    assert code.text == LOAD + "x = 1\ny = 2\n"
    assert [code.origin(line) for line in range(1, 7)] == ["cell 1, not run"] * 3 + ["cell 3, not run"] * 2 + [None]
    assert code.lines == 5


def test_the_nearest_cells_win_when_not_all_fit():
    far, near = "far = 1  # " + "x" * 60, "near = 2  # " + "y" * 60
    code = preamble([("cell 1", far), ("cell 2", near)], NOTHING_DEFINED, max_chars=80)
    assert code.text == near + "\n"
    assert len(preamble([("cell 1", far), ("cell 2", near)], NOTHING_DEFINED, max_chars=200).text) <= 200


def test_an_answer_computed_knowing_cells_above_is_named_by_them():
    cells = [("cell 1", "a = 1")]
    assert named_with("fresh", cells) == named_with("fresh", [("cell 1", "a = 1")])
    assert named_with("fresh", cells).startswith("fresh+")
    assert len({named_with("fresh", cells), named_with("fresh", [("cell 1", "a = 2")]),
                named_with("fresh", [("cell 2", "a = 1")]), named_with("k:1", cells)}) == 4
    assert named_with("fresh", []) == named_with("fresh", [("cell 1", "print(1)  # defines nothing")]) == "fresh"
    assert named_with("fresh", [("cell 1", "a = 1\nprint(2)")]) == named_with("fresh", [("cell 1", "a = 1\nprint(3)")])
    assert named_with(None, cells) is None  # an unknown namespace stays unknown


# -- what the kernel makes of it ------------------------------------------------------------------------

def complete(kernel, typed, cells):
    return kernel.answer("complete", typed, len(typed), cells)


def test_a_function_in_a_cell_not_run_completes_with_its_label_and_inference_through_it():
    kernel = Kernel()
    cells = [("cell 1", "import json"), ("cell 2", LOAD)]
    [load] = [s for s in complete(kernel, "loa", cells) if s.text == "load"]
    assert (load.kind, load.detail) == ("function", "cell 2, not run")
    assert load.documentation == "load()\n\nLoad the rows."
    assert "keys" in [s.text for s in complete(kernel, "load().ke", cells)]
    assert "dumps" in [s.text for s in complete(kernel, "json.du", cells)]


def test_the_signature_and_keys_of_code_not_run():
    kernel = Kernel()
    cells = [("cell 1", "def area(width, height=2):\n    return width * height\nd = {'alpha': 1}")]
    [signature] = kernel.answer("signature", "area(3, ", 8, cells)
    assert (signature.text, signature.detail) == ("area(width, height=2)", "height")
    assert [s.text for s in complete(kernel, 'd["', cells)] == ["alpha"]


def test_a_name_the_namespace_holds_completes_from_the_live_object_without_a_label():
    kernel = Kernel()
    kernel.run("value = 3")
    assert [s.text for s in complete(kernel, "value.bit_l", [("cell 1", "value = 'text'")])] == ["bit_length"]
    [value] = [s for s in complete(kernel, "valu", [("cell 1", "value = 'text'")]) if s.text == "value"]
    assert value.detail != "cell 1, not run"


def test_names_of_the_cell_itself_and_of_modules_have_no_cell_label():
    kernel = Kernel()
    cells = [("cell 1", "import os\n" + "\n" * 50 + "x = 1")]
    assert all(s.detail != "cell 1, not run" for s in complete(kernel, "mine = 1\nmi", cells) if s.text != "x")
    path_options = complete(kernel, "os.pa", cells)
    assert "path" in [s.text for s in path_options]
    assert all(s.detail != "cell 1, not run" for s in path_options)


def test_without_other_cells_nothing_changes():
    kernel = Kernel()
    assert "load" not in [s.text for s in complete(kernel, "loa", [])]


# -- the agent: the cells it reads, its cache, the namespace it names ---------------------------------

class RecordingStore:
    def __init__(self):
        self.committed = []

    def watch_open_requests(self, serves, on_rows):
        return lambda: None

    def commit_responses(self, responses, computed_in):
        self.committed.append((responses, computed_in))


class ReadyKernel:
    def __init__(self):
        self.kernel = Kernel()
        self.calls = 0

    def state(self):
        return "ready"

    async def started(self):
        return None

    def unavailable_because(self):
        return None

    def namespace(self):
        return "fresh"

    def mark_unresponsive(self, reason):
        pass

    def wanted(self):
        pass

    async def answer(self, operation, source, cursor, other_cells):
        self.calls += 1
        return self.kernel.answer(operation, source, cursor, other_cells)


def request(completion_id, source="loa", cell_id="c3"):
    return CompletionRequest(completion_id=completion_id, cell_id=cell_id, source=source,
                             cursor_position=len(source), requested_by="page-1", timestamp=1.0)


def test_the_agent_asks_with_the_cells_above_and_names_the_namespace_by_their_code():
    notebook = {"c1": [("cell 1", LOAD)], "c3": [("cell 1", LOAD), ("cell 2", "x = 1")]}
    store, kernel = RecordingStore(), ReadyKernel()
    agent = KernelAgent(store, kernel, agent_id="page-1", options=Options(), other_cells=lambda cell_id: notebook.get(cell_id, []))

    async def ask(completion_id, **fields):
        agent._on_open_requests([request(completion_id, **fields).to_event()])
        await agent.drain()
        return store.committed[-1]

    responses, computed_in = asyncio.run(ask("r1"))
    assert "load" in [s.text for s in responses[0].suggestions]
    assert computed_in["r1"] == named_with("fresh", notebook["c3"])
    asyncio.run(ask("r2"))  # the same text with the same cells above: the earlier computation
    assert kernel.calls == 1
    notebook["c3"] = [("cell 1", LOAD.replace('"k"', '"j"')), ("cell 2", "x = 1")]
    asyncio.run(ask("r3"))  # another cell changed: computed again
    assert kernel.calls == 2
    _, computed_in = asyncio.run(ask("r4", source="import o", cell_id="c9"))  # no cells above
    assert computed_in["r4"] == "fresh"


def test_the_notebook_failing_to_say_leaves_the_completion_to_the_namespace():
    store, kernel = RecordingStore(), ReadyKernel()

    def broken(cell_id):
        raise RuntimeError("the main store is gone")

    agent = KernelAgent(store, kernel, agent_id="page-1", options=Options(), other_cells=broken)

    async def ask():
        agent._on_open_requests([request("r1", source="import o").to_event()])
        await agent.drain()

    asyncio.run(ask())
    [(responses, computed_in)] = store.committed
    assert responses[0].status == "success" and "os" in [s.text for s in responses[0].suggestions]
    assert computed_in == {"r1": "fresh"}
