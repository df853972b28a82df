"""What a person sees while typing: Jedi completions from the kernel in the CodeMirror popup."""

import re

from playwright.sync_api import expect


def test_stdlib_attribute_completes(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")


def test_names_from_a_cell_that_ran(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, 'data = {"a": 1}')
    notebook.run_cell(0)
    notebook.type(1, "data.ke")
    notebook.wait_for_option("keys")


def test_names_earlier_in_the_same_cell_before_it_runs(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "total_count = 3\n")
    notebook.type(1, "tot")
    notebook.wait_for_option("total_count")


def test_emoji_before_the_cursor_still_completes(open_notebook):
    """cursorPosition counts UTF-16 units; the kernel must map it to code points."""
    notebook = open_notebook()
    notebook.set_cell(1, 'snake = "🐍"\n')
    notebook.type(1, "snake.up")
    notebook.wait_for_option("upper")
    # Enter accepts an option the person had time to see (enterAcceptDelayMs after the last key).
    notebook.page.wait_for_timeout(600)
    notebook.page.keyboard.press("Enter")
    assert notebook.cell_text(1) == 'snake = "🐍"\nsnake.upper'


def test_ctrl_space_asks_at_once(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import collections\ncollections.Ord")
    expect(notebook.popup).to_be_hidden()
    notebook.page.keyboard.press("Control+Space")
    notebook.wait_for_option("OrderedDict")


def test_options_show_kind_and_plain_text_documentation(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.path.jo")
    join = notebook.wait_for_option("join")
    expect(join.locator(".cm-completionIcon-function")).to_have_count(1)
    # The first option is selected; its signature and documentation show beside the list, as text.
    # (The answer for `os.path.` documents its own first options; `join` is asked about.)
    info = notebook.page.locator(".cm-completionInfo")
    expect(info).to_contain_text("join(")
    expect(info).to_contain_text("Join")
    assert info.locator("*").count() == 0


def test_the_options_of_the_answer_show_their_signature_in_the_list(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.path.ab")
    expect(notebook.wait_for_option("abspath").locator(".cm-completionDetail")).to_contain_text("abspath(")


def test_accepting_an_option_inserts_it(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path").click()
    assert notebook.cell_text(1) == "import os\nos.path"


def test_fast_typing_shows_no_stale_popup(open_notebook):
    """Keys faster than the kernel: the popup must belong to the final text, never an old one."""
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa", delay_ms=15)
    notebook.type(1, "th.jo", delay_ms=15)
    notebook.wait_for_option("join")
    labels = notebook.popup_labels()
    assert "pardir" not in labels and "path" not in labels
    assert all("j" in label.lower() for label in labels)
    requests = [r for r in notebook.stored_events()["requests"] if r["operation"] == "complete"]
    # Requests only for texts that were typed, far fewer than the keys: a word's request serves
    # the keys after it. (Which keys got one depends on when CodeMirror asked, at this speed.)
    assert all("import os\nos.path.jo".startswith(r["source"]) for r in requests)
    assert len(requests) < len("os.path.jo")


def test_a_word_is_one_request_at_the_dot_narrowed_for_the_keys_after_it(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")
    assert "pardir" in notebook.popup_labels() and "getcwd" not in notebook.popup_labels()
    sources = [r["source"] for r in notebook.stored_events()["requests"]]
    assert "import os\nos." in sources
    assert "import os\nos.p" not in sources and "import os\nos.pa" not in sources


def test_a_word_typed_while_a_cut_answer_is_on_its_way_still_gets_its_options(open_notebook):
    """Regression: `obj.zz` typed at 60 ms per key was narrowed from the answer to `obj.` although
    that answer came cut at maxSuggestions (600 names), so `zzz_target` never showed."""
    notebook = open_notebook()
    notebook.set_cell(0, 'obj = type("Many", (), {**{f"a{i:03}": i for i in range(600)}, "zzz_target": 1})()')
    notebook.run_cell(0)
    notebook.type(1, "obj.zz", delay_ms=60)
    notebook.wait_for_option("zzz_target")


def test_private_names_show_once_an_underscore_is_typed(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, "class Thing:\n    visible = 1\n    _hidden = 2\nobj = Thing()")
    notebook.run_cell(0)
    notebook.type(1, "obj.")
    notebook.wait_for_option("visible")
    assert not [label for label in notebook.popup_labels() if label.startswith("_")]
    notebook.type(1, "_")
    notebook.wait_for_option("_hidden")


def test_keys_of_a_dict_complete_inside_the_brackets_and_close_them(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, 'data = {"alpha": 1, "beta gamma": 2}')
    notebook.run_cell(0)
    notebook.type(1, 'data["')  # the editor closes the quote and the bracket: data[""]
    notebook.wait_for_option("alpha")
    notebook.page.keyboard.type("be", delay=100)
    notebook.wait_for_option("beta gamma")
    notebook.page.wait_for_timeout(100)
    notebook.page.keyboard.press("Tab")
    assert notebook.cell_text(1) == 'data["beta gamma"]'


def test_a_function_in_a_cell_above_that_has_not_run_completes_with_where_it_comes_from(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, 'def load_rows():\n    """Load the rows."""\n    return {"k": 1}\n')
    notebook.type(1, "load_r")  # clicking into cell 2 saves cell 1: the kernel reads it from the store
    option = notebook.wait_for_option("load_rows")
    expect(option.locator(".cm-completionDetail")).to_have_text("cell 1, not run")
    expect(notebook.page.locator(".cm-completionInfo")).to_contain_text("Load the rows.")
    # Jedi infers through the code it read: load_rows() returns a dict.
    notebook.set_cell(1, "")
    notebook.type(1, "load_rows().ke")
    notebook.wait_for_option("keys")
    assert notebook.cell_text(1) == "load_rows().ke"
    expect(notebook.cell(0).locator(".prompt")).not_to_have_text(re.compile(r"\d"))  # still not run

    # Once the cell ran, the live object wins: the option is the kernel's own, without the label.
    notebook.run_cell(0)
    notebook.set_cell(1, "")
    notebook.type(1, "load_r")
    expect(notebook.wait_for_option("load_rows").locator(".cm-completionDetail")).to_have_text("load_rows()")


def test_only_an_option_that_stays_highlighted_is_described_and_only_once(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.path.")
    notebook.wait_for_option("abspath")  # documented in the answer: nothing to ask
    notebook.page.keyboard.type("spl", delay=60)  # typed on past `samefile`, `sep`, ...
    notebook.wait_for_option("split")
    expect(notebook.page.locator(".cm-completionInfo")).to_contain_text("split(")
    notebook.page.wait_for_timeout(1000)  # CodeMirror asks `info` again as it refilters: no new request
    described = [r["source"] for r in notebook.stored_events()["requests"] if r["operation"] == "describe"]
    assert described == ["import os\nos.path.split"]
