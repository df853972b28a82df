"""Signature help while typing a call: after `(` and each `,`, the kernel's signature of the call,
the active parameter marked, its documentation as text; closed after `)` and on Escape."""

from playwright.sync_api import expect

AREA = '''def area(width, height=2):
    """The area of a <b>rectangle</b>.

    Width times height."""
    return width * height
'''


def tooltip(notebook):
    return notebook.page.locator(".lc-signature-help")


def test_the_signature_follows_the_arguments_and_closes_after_the_call(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, AREA)
    notebook.run_cell(0)
    notebook.type(1, "area(")
    help = tooltip(notebook)
    expect(help).to_contain_text("area(width, height=2)")
    expect(help.locator(".lc-active-parameter")).to_have_text("width")
    # Documentation is plain text: the docstring's markup shows as written, never as HTML.
    expect(help.locator(".lc-signature-doc")).to_contain_text("The area of a <b>rectangle</b>.")
    assert help.locator("b").count() == 0
    notebook.page.keyboard.type("3, ", delay=120)
    expect(help.locator(".lc-active-parameter")).to_have_text("height")
    notebook.page.keyboard.type("4)", delay=120)
    expect(help).to_be_hidden()
    assert notebook.cell_text(1) == "area(3, 4)"
    requests = notebook.stored_events()["requests"]
    assert {r["operation"] for r in requests} >= {"signature"}


def test_escape_closes_the_signature(open_notebook):
    notebook = open_notebook()
    notebook.type(1, "print(")
    expect(tooltip(notebook)).to_contain_text("print(")
    notebook.page.keyboard.press("Escape")
    expect(tooltip(notebook)).to_be_hidden()
    notebook.page.keyboard.type("1")
    assert notebook.cell_text(1) == "print(1)"
