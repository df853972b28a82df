"""Completions without a kernel: keywords, builtins and names from the cell, clearly marked."""

from livecomplete.fallback import local_suggestions


def texts(source, why="kernel busy"):
    return [s.text for s in local_suggestions(source, len(source), why=why)]


def test_names_written_in_the_cell_keywords_and_builtins():
    source = "total = 1\ntotal_count = 2\nto"
    suggestions = local_suggestions(source, len(source), why="kernel busy")
    by_text = {s.text: s for s in suggestions}
    assert ["total", "total_count"] == [t for t in by_text if t.startswith("tot")]
    assert by_text["total"].detail == "name in this cell (kernel busy)"
    assert "for" in texts("fo") and "format" in texts("fo")
    assert {s.kind for s in local_suggestions("fo", 2, why="x") if s.text == "for"} == {"keyword"}


def test_attribute_context_offers_attributes_used_in_the_cell():
    source = "df.head()\ndf.shape\ndf.he"
    assert texts(source) == ["head"]


def test_the_word_being_typed_is_not_offered_back():
    assert "pri" not in texts("pri")
    assert texts("zzz_unique") == []


def test_cursor_in_the_middle_of_a_cell():
    source = "alpha = 1\nal\nbeta = alpha"
    suggestions = local_suggestions(source, len("alpha = 1\nal"), why="no kernel")
    assert [s.text for s in suggestions][:1] == ["alpha"]


def test_prefix_matching_ignores_case_like_jedi():
    assert "MyClass" in texts("class MyClass: pass\nmyc")


def test_limit_and_empty_prefix():
    assert len(local_suggestions("", 0, why="x", limit=5)) == 5
