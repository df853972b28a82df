"""Completions without a kernel: keywords, builtins and the names written in the cell itself.

Used when the kernel cannot answer in time (busy running a cell, hung, or absent). No Jedi and
no namespace, so it is instant and never blocks; every option says where it came from, so the
popup never passes these off as the kernel's answer.
"""

from __future__ import annotations

import builtins
import keyword
import re

from .events import Suggestion
from .words import typed_word

__all__ = ["local_suggestions"]

_NAME = re.compile(r"(?<![\w.])([^\W\d]\w*)")
_ATTRIBUTE = re.compile(r"\.([^\W\d]\w*)")
_BUILTINS = sorted(name for name in dir(builtins) if not name.startswith("_"))


def local_suggestions(source: str, index: int, *, why: str, limit: int = 200) -> list[Suggestion]:
    """Suggestions at code-point `index` in `source`, each marked with `why` (e.g. "kernel busy")."""
    before = source[:index]
    word = typed_word(before)
    if word.is_key:
        return []  # keys come from the objects, which only the kernel has
    prefix = word.prefix
    word_start = index - len(prefix)
    elsewhere = source[:word_start] + " " + source[index:]  # the word being typed is not a suggestion
    if before[:word_start].endswith("."):
        candidates = [(name, "name", "attribute used in this cell") for name in _unique(_ATTRIBUTE.findall(elsewhere))]
    else:
        candidates = [
            *((name, "name", "name in this cell") for name in _unique(_NAME.findall(elsewhere))),
            *((name, "keyword", "keyword") for name in keyword.kwlist),
            *((name, "function", "builtin") for name in _BUILTINS),
        ]
    seen: set[str] = set()
    suggestions = []
    lowered = prefix.lower()
    for name, kind, origin in candidates:
        if name in seen or not name.lower().startswith(lowered) or name == prefix:
            continue
        seen.add(name)
        suggestions.append(Suggestion(text=name, kind=kind, detail=f"{origin} ({why})"))
        if len(suggestions) >= limit:
            break
    return suggestions


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
