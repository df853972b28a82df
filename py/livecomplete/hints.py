"""Suggestions -> a CodeMirror CompletionResult as plain data: `from`, `options`, `validFor`.

The kernel's Jedi filters by the word before the cursor, so the answer is valid while the user
keeps typing *that* word: `validFor` is anchored on the prefix that was asked about. Deleting
into the prefix (the list no longer covers it) makes CodeMirror ask again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .arguments import active_parameter
from .events import Suggestion
from .offsets import utf16_length
from .words import typed_word

__all__ = ["to_completion_result", "to_signature_help"]

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
    "key": "property",
}

# Private names sort after public ones, dunders last, as Jedi and IPython order them.
_PRIVATE_BOOST = -10
_DUNDER_BOOST = -20


def to_completion_result(
    suggestions: Iterable[Suggestion], *, text_before_cursor: str, cursor: int, text_after_cursor: str = ""
) -> dict[str, Any] | None:
    """Plain CodeMirror result for an answer computed at `cursor` (a UTF-16 offset).

    Names starting with `_` are left out until the word typed starts with `_`. A key accepted
    brings its closing quote and `]` unless they follow already. Returns None when there is
    nothing to show, so the popup closes instead of showing an empty box.
    """
    word = typed_word(text_before_cursor)
    # Private names wait until the person types `_` (IPython's default): the answer is no longer
    # valid once the word starts with `_`, so CodeMirror asks again and the client narrows.
    hide_private = word.hides_private
    closing = word.closing(text_after_cursor)
    options = [
        _to_option(s, closing) for s in suggestions if not (hide_private and s.text.startswith("_"))
    ]
    if not options:
        return None
    return {
        "from": cursor - utf16_length(word.prefix),
        "to": cursor,
        "options": options,
        "validFor": word.valid_for(hide_private=hide_private),
    }


def _to_option(suggestion: Suggestion, closing: str) -> dict[str, Any]:
    option: dict[str, Any] = {"label": suggestion.text}
    cm_type = _CODEMIRROR_TYPES.get(suggestion.kind)
    if cm_type:
        option["type"] = cm_type
    # Shown as text by CodeMirror (a string `info`/`detail` is set as textContent, never HTML).
    option["detail"] = suggestion.detail or suggestion.kind
    if suggestion.documentation:
        option["info"] = suggestion.documentation
    elif suggestion.kind == "key":
        option["info"] = ""  # a key has nothing to describe: the popup does not ask about it
    if suggestion.insert_text is not None:
        option["apply"] = suggestion.insert_text
    elif closing:
        option["apply"] = suggestion.text + closing
    if suggestion.text.startswith("__"):
        option["boost"] = _DUNDER_BOOST
    elif suggestion.text.startswith("_"):
        option["boost"] = _PRIVATE_BOOST
    return option


def to_signature_help(signatures: Iterable[Suggestion], typed_arguments: str | None = None) -> dict[str, Any] | None:
    """Plain data for the signature tooltip from a `signature` answer (see `Kernel.signatures`):
    each signature's label, the UTF-16 range of its active parameter in it (none: -1, -1), and
    its documentation. The active parameter is the kernel's, or with `typed_arguments` (the text
    since the call's `(`) the one they stand at. None when there is no signature to show."""
    shown = [
        _signature_help(s, s.detail if typed_arguments is None else active_parameter(s.text, typed_arguments))
        for s in signatures if s.kind == "signature"
    ]
    said: set[str] = set()
    for signature in shown:  # overloads share their docstring: say it once
        if signature["documentation"] in said:
            signature["documentation"] = ""
        said.add(signature["documentation"])
    return {"signatures": shown} if shown else None


def _signature_help(signature: Suggestion, active: str | None) -> dict[str, Any]:
    label = signature.text
    start = end = -1
    opening = label.find("(")
    if active and opening >= 0:
        # The parameter as written in the list, by name (`*args`, `key=None`, `b: int` included).
        found = re.compile(rf"(?<!\w){re.escape(active)}(?!\w)").search(label, opening + 1)
        if found:
            start, end = utf16_length(label[: found.start()]), utf16_length(label[: found.end()])
    return {"label": label, "activeFrom": start, "activeTo": end, "documentation": signature.documentation or ""}
