"""Typing you can trust: the popup never changes what a person types at a human pace.

A person who types a line and presses Enter means a new line. The popup may show an option for
the word just typed (often that very word); Enter accepts it only when accepting changes the
text and the person had time to see it (docs/typing.md). Tab, and Enter on an option picked with
the arrow keys, still accept.
"""

import random

import pytest
from playwright.sync_api import expect

# Flat top-level code as people type it in a notebook cell: every line ended with Enter, words
# that are exact names (`os`, `math`, `x`), words that are the start of other names (`st`, `c`),
# calls and brackets (closed by the editor, overtyped by the person).
SNIPPETS = [
    "import os\nimport json\n",
    "from os import path\nimport math\n",
    "x = 3\ny = x\nprint(y)\n",
    "import statistics as st\nimport collections as c\n",
    "import math\nr = 2\narea = math.pi * r\narea\n",
    "data = dict()\nkeys = list(data)\nlen(keys)\n",
    "from math import sqrt\nroot = sqrt(16)\nroot\n",
    "import json\ntext = json.dumps([1, 2])\nlen(text)\n",
]
# Milliseconds between keys: brisk and ordinary typists (a person types a key every 80-250 ms).
SPEEDS = {"brisk": (80, 150), "ordinary": (150, 250)}
# Each snippet at one of the speeds (the first, the regression's own, at the ordinary one): all of
# them at both took CI almost two minutes.
SNIPPETS_AT = {"ordinary": SNIPPETS[0::2], "brisk": SNIPPETS[1::2]}


def type_like_a_person(notebook, index, text, speed, rng):
    notebook.editor(index).click()
    for char in text:
        notebook.page.keyboard.press("Enter" if char == "\n" else char)
        notebook.page.wait_for_timeout(rng.uniform(*speed))


def clear_cell(notebook, index):
    notebook.editor(index).click()
    notebook.page.keyboard.press("Control+A")
    notebook.page.keyboard.press("Backspace")


@pytest.mark.parametrize("speed", SPEEDS)
def test_snippets_typed_at_a_human_pace_come_out_exactly_as_typed(open_notebook, speed):
    """Regression: Enter after `import os` accepted the popup's `os` instead of starting a new
    line (`import osimport json`), in about two snippets of five typed at 150-250 ms per key."""
    notebook = open_notebook()
    rng = random.Random(f"livecomplete-{speed}")
    wrong = []
    for snippet in SNIPPETS_AT[speed]:
        clear_cell(notebook, 1)
        type_like_a_person(notebook, 1, snippet, SPEEDS[speed], rng)
        typed = notebook.cell_text(1)
        if typed != snippet:
            wrong.append(f"{snippet!r} came out as {typed!r}")
    assert wrong == [], f"{len(wrong)} of {len(SNIPPETS_AT[speed])} snippets changed:\n" + "\n".join(wrong)


def popup_for_getc(open_notebook):
    """A page whose cell 1 holds `import os` and `os.getc`, with the popup showing `getcwd`."""
    notebook = open_notebook()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.getc")
    notebook.wait_for_option("getcwd")
    return notebook


def test_tab_accepts_the_highlighted_option(open_notebook):
    notebook = popup_for_getc(open_notebook)
    notebook.page.wait_for_timeout(100)  # CodeMirror ignores keys 75 ms after the popup opens
    notebook.page.keyboard.press("Tab")
    assert notebook.cell_text(1) == "import os\nos.getcwd"


def test_enter_accepts_an_option_the_person_paused_on(open_notebook):
    notebook = popup_for_getc(open_notebook)
    notebook.page.wait_for_timeout(600)  # reading the popup
    notebook.page.keyboard.press("Enter")
    assert notebook.cell_text(1) == "import os\nos.getcwd"


def test_enter_right_after_a_key_starts_a_new_line_even_when_an_option_differs(open_notebook):
    notebook = popup_for_getc(open_notebook)
    notebook.page.wait_for_timeout(600)
    notebook.page.keyboard.press("w")  # the popup still shows `getcwd`, but only just now for `getcw`
    notebook.page.keyboard.press("Enter")
    assert notebook.cell_text(1) == "import os\nos.getcw\n"
    expect(notebook.popup).to_be_hidden()


def test_enter_accepts_an_option_picked_with_the_arrow_keys_at_once(open_notebook):
    notebook = popup_for_getc(open_notebook)
    notebook.wait_for_option("getcwdb")
    notebook.page.wait_for_timeout(100)  # CodeMirror ignores keys 75 ms after the popup opens
    labels = notebook.popup_labels()
    notebook.page.keyboard.press("ArrowDown")
    notebook.page.keyboard.press("Enter")
    assert notebook.cell_text(1) == f"import os\nos.{labels[1]}"


def test_enter_on_the_option_already_typed_starts_a_new_line(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(1, "import math\nradius = 2\n")
    notebook.type(1, "radius")
    notebook.wait_for_option("radius")
    notebook.page.wait_for_timeout(600)
    notebook.page.keyboard.press("Enter")
    assert notebook.cell_text(1) == "import math\nradius = 2\nradius\n"
