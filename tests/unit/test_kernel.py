"""The Jedi kernel under CPython: stdlib, the namespace of run cells, same-cell names, output."""

import pytest

from livecomplete import Kernel, Options
from livecomplete.offsets import utf16_length


def labels(kernel, source, cursor=None):
    cursor = utf16_length(source) if cursor is None else cursor
    return [s.text for s in kernel.complete(source, cursor)]


@pytest.fixture
def kernel():
    return Kernel()


def test_stdlib_attribute(kernel):
    assert "path" in labels(kernel, "import os\nos.pa")


def test_names_from_cells_that_ran(kernel):
    assert kernel.run('data = {"a": 1}').error is None
    assert "keys" in labels(kernel, "data.ke")


def test_names_earlier_in_the_same_cell_before_it_runs(kernel):
    assert "total_count" in labels(kernel, "total_count = 3\ntot")


def test_emoji_before_the_cursor(kernel):
    assert "upper" in labels(kernel, 's = "🐍"\ns.up')


def test_keyword_arguments(kernel):
    assert "sep=" in labels(kernel, "print('a', se")


def test_kinds_details_and_documentation(kernel):
    suggestions = {s.text: s for s in kernel.complete("import os\nos.path.jo", 20)}
    join = suggestions["join"]
    assert join.kind == "function"
    assert join.detail and join.detail.startswith("join(")
    assert join.documentation


def test_options_past_the_budget_have_names_only():
    kernel = Kernel(Options(jedi_budget_ms=0))
    suggestions = kernel.complete("import os\nos.", 13)
    assert len(suggestions) > 50
    assert all(s.kind == "name" and s.documentation is None for s in suggestions)


def test_documentation_only_for_the_first_options():
    kernel = Kernel(Options(documented_options=2, jedi_budget_ms=10_000))
    suggestions = kernel.complete("import os\nos.", 13)
    assert all(s.documentation is None and s.detail is None for s in suggestions[2:])


def test_run_shows_output_and_the_last_value(kernel):
    result = kernel.run("print('hi')\n1 + 1")
    assert (result.stdout, result.value, result.error, result.execution_count) == ("hi\n", "2", None, 1)


def test_run_reports_a_traceback_from_the_cell(kernel):
    result = kernel.run("x = 1\n1 / 0")
    assert "ZeroDivisionError" in result.error
    assert '<cell 1>", line 2' in result.error and "1 / 0" in result.error
    assert "kernel.py" not in result.error
    assert kernel.namespace["x"] == 1  # what ran before the error stays


def test_syntax_error_is_output(kernel):
    result = kernel.run("def (")
    assert "SyntaxError" in result.error


def test_invalid_cursor_raises_a_clear_error(kernel):
    with pytest.raises(ValueError, match=r"outside 0\.\.3"):
        kernel.complete("os.", 9)


KEYED = '''
data = {"alpha": 1, "beta gamma": 2, 3: "three"}
class Frame:
    def _ipython_key_completions_(self):
        return ["col_a", "col_b", 7]
    def __getitem__(self, key):
        return key
frame = Frame()
class Broken:
    def _ipython_key_completions_(self):
        raise RuntimeError("no keys today")
broken = Broken()
'''


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ('data["', ["alpha", "beta gamma"]),
        ("data['be", ["beta gamma"]),
        ('frame["', ["col_a", "col_b"]),
        ('frame["col_b', ["col_b"]),
        ('broken["', []),
    ],
)
def test_keys_of_a_dict_and_of_an_object_with_ipython_key_completions(typed, keys):
    kernel = Kernel()
    kernel.run(KEYED)
    suggestions = kernel.complete(typed, len(typed))
    assert [s.text for s in suggestions] == keys
    assert {s.kind for s in suggestions} <= {"key"}


def test_keys_when_the_editor_has_closed_the_quote_and_bracket():
    kernel = Kernel()
    kernel.run(KEYED)
    source = 'data["al"]'
    assert [s.text for s in kernel.complete(source, len('data["al'))] == ["alpha"]


@pytest.mark.parametrize(
    ("typed", "active"),
    [("area(", "width"), ("area(3, ", "height"), ("area(3, 4, unit=", "unit"), ("area(width=1, height=", "height")],
)
def test_the_signature_of_the_call_at_the_cursor_names_the_active_parameter(typed, active):
    kernel = Kernel()
    kernel.run("def area(width, height=2, *, unit='m'):\n    'The area.'\n    return width * height")
    [signature] = kernel.answer("signature", typed, len(typed))
    assert signature.text == "area(width, height=2, *, unit='m')"
    assert (signature.kind, signature.detail, signature.documentation) == ("signature", active, "The area.")


def test_no_signature_outside_a_call():
    assert Kernel().answer("signature", "x = 1", 5) == []


def test_an_attribute_list_asked_with_nothing_typed_leaves_out_private_names(kernel):
    kernel.run("class Thing:\n    visible = 1\n    _hidden = 2\nobj = Thing()")
    assert labels(kernel, "obj.") == ["visible"]  # the popup shows no `_` name until one is typed
    assert {"_hidden", "__init__"} <= set(labels(kernel, "obj._"))
