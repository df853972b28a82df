"""Positions in a cell's text: UTF-16 offsets (CodeMirror, the store) versus code points (Python).

CodeMirror counts positions in UTF-16 code units, the store's ``cursorPosition`` is such an
offset, and Python strings index code points. An emoji before the cursor is 2 units but 1 point,
so every offset that crosses the boundary goes through here.
"""

from __future__ import annotations

__all__ = ["utf16_length", "utf16_to_index", "index_to_utf16", "line_column"]


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as JavaScript's ``string.length``."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_to_index(text: str, offset: int) -> int:
    """Code-point index in ``text`` of the UTF-16 ``offset``.

    Raises ValueError when the offset is outside ``0..utf16_length(text)`` or splits a
    surrogate pair, naming the offset and the valid range.
    """
    if text.isascii() or offset < 0:
        if not 0 <= offset <= utf16_length(text):
            raise ValueError(f"UTF-16 offset {offset} is outside 0..{utf16_length(text)}")
        return offset
    units = 0
    for index, ch in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} splits the character at index {index}")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is outside 0..{units}")


def index_to_utf16(text: str, index: int) -> int:
    """UTF-16 offset of the code-point ``index`` in ``text``."""
    if not 0 <= index <= len(text):
        raise ValueError(f"index {index} is outside 0..{len(text)}")
    return utf16_length(text[:index])


def line_column(text: str, index: int) -> tuple[int, int]:
    """Jedi's coordinates of a code-point index: 1-based line, 0-based column in code points."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1)
    return line, column
