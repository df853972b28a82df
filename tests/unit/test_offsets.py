"""UTF-16 offsets (CodeMirror, the store) against code-point indexes (Python)."""

import pytest

from livecomplete.offsets import index_to_utf16, line_column, utf16_length, utf16_to_index

SNAKE = "🐍"  # one code point, two UTF-16 units


def test_ascii_offsets_are_indexes():
    assert utf16_length("abc") == 3
    assert utf16_to_index("abc", 2) == 2
    assert index_to_utf16("abc", 3) == 3


def test_astral_characters_count_two_units():
    text = f's = "{SNAKE}"\ns.up'
    assert utf16_length(text) == len(text) + 1
    assert utf16_to_index(text, utf16_length(text)) == len(text)
    assert index_to_utf16(text, len(text)) == utf16_length(text)
    # The offset right after the emoji is one past its code-point index + 1.
    after_emoji = text.index(SNAKE) + 1
    assert utf16_to_index(text, after_emoji + 1) == after_emoji


def test_bmp_non_ascii_is_one_unit():
    assert utf16_length("café") == 4
    assert utf16_to_index("café.x", 5) == 5


def test_offset_inside_a_surrogate_pair_is_rejected():
    with pytest.raises(ValueError, match="splits the character at index 1"):
        utf16_to_index(f"a{SNAKE}b", 2)


@pytest.mark.parametrize(("text", "offset", "limit"), [("abc", -1, 3), ("abc", 4, 3), (f"{SNAKE}ab", -1, 4), (f"{SNAKE}ab", 5, 4)])
def test_offset_out_of_range_names_the_range(text, offset, limit):
    with pytest.raises(ValueError, match=rf"offset {offset} is outside 0\.\.{limit}"):
        utf16_to_index(text, offset)


def test_line_column_is_jedi_style():
    text = "import os\nos.pa"
    assert line_column(text, len(text)) == (2, 5)
    assert line_column(text, 0) == (1, 0)
    assert line_column(f"{SNAKE}x\ny", 2) == (1, 2)
