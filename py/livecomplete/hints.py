"""Suggestions -> a CodeMirror CompletionResult as plain data: `from`, `options`, `validFor`.

The kernel's Jedi filters by the word before the cursor, so the answer is valid while the user
keeps typing *that* word: `validFor` is anchored on the prefix that was asked about. Deleting
into the prefix (the list no longer covers it) makes CodeMirror ask again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .events import Suggestion
from .offsets import utf16_length

__all__ = ["WORD_BEFORE", "completion_prefix", "should_complete", "to_completion_result"]

# Identifier characters before the cursor (Unicode-aware, as Python's own identifiers are).
WORD_BEFORE = re.compile(r"\w*\Z")
# JS side of the same class (used with the `u` flag): letters, marks, digits, connectors.
_JS_WORD = r"[\p{L}\p{M}\p{N}\p{Pc}]"

# Jedi kinds -> CodeMirror's icon types (`cm-completionIcon-<type>`).
_CODEMIRROR_TYPES = {
    "function": "function",
    "class": "class",
    "module": "namespace",
    "variable": "variable",
    "keyword": "keyword",
    "property": "property",
    "param": "variable",
    "path": "text",
}

# Private names sort after public ones, dunders last, as Jedi and IPython order them.
_PRIVATE_BOOST = -10
_DUNDER_BOOST = -20


def completion_prefix(text_before_cursor: str) -> str:
    """The identifier being typed right before the cursor (may be empty)."""
    match = WORD_BEFORE.search(text_before_cursor)
    return match.group(0) if match else ""


def should_complete(text_before_cursor: str, *, explicit: bool) -> bool:
    """Whether typing here asks for completions: inside a word, right after `.`, or on request."""
    if explicit:
        return True
    prefix = completion_prefix(text_before_cursor)
    if prefix:
        # A number literal (`12`) is not a name being typed.
        return not prefix[0].isdigit()
    return text_before_cursor.endswith(".") and not text_before_cursor.endswith("..")


def to_completion_result(
    suggestions: Iterable[Suggestion], *, text_before_cursor: str, cursor: int
) -> dict[str, Any] | None:
    """Plain CodeMirror result for an answer computed at `cursor` (a UTF-16 offset).

    Names starting with `_` are left out until the word typed starts with `_`. Returns None when
    there is nothing to show, so the popup closes instead of showing an empty box.
    """
    prefix = completion_prefix(text_before_cursor)
    # Private names wait until the person types `_` (IPython's default): the answer is no longer
    # valid once the word starts with `_`, so CodeMirror asks again and the client narrows.
    hide_private = not prefix
    options = [_to_option(s) for s in suggestions if not (hide_private and s.text.startswith("_"))]
    if not options:
        return None
    # Identifier characters are never regex syntax, so the prefix needs no escaping.
    valid_for = f"^(?!_){_JS_WORD}*$" if hide_private else f"^{prefix}{_JS_WORD}*$"
    return {
        "from": cursor - utf16_length(prefix),
        "to": cursor,
        "options": options,
        "validFor": {"source": valid_for, "flags": "iu"},
    }


def _to_option(suggestion: Suggestion) -> dict[str, Any]:
    option: dict[str, Any] = {"label": suggestion.text}
    cm_type = _CODEMIRROR_TYPES.get(suggestion.kind)
    if cm_type:
        option["type"] = cm_type
    # Shown as text by CodeMirror (a string `info`/`detail` is set as textContent, never HTML).
    option["detail"] = suggestion.detail or suggestion.kind
    if suggestion.documentation:
        option["info"] = suggestion.documentation
    if suggestion.insert_text is not None:
        option["apply"] = suggestion.insert_text
    if suggestion.text.startswith("__"):
        option["boost"] = _DUNDER_BOOST
    elif suggestion.text.startswith("_"):
        option["boost"] = _PRIVATE_BOOST
    return option
