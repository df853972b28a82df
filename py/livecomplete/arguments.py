"""Which parameter of a signature the arguments typed so far stand at, read in the page.

The kernel answers a call's signatures once, at its `(`; as the person types the arguments, the
page marks the parameter the cursor is at from that answer and the text typed since the `(`,
so a `,` or a `name=` costs no request (docs/how-it-works.md, Operations). Pure text reading:
brackets and strings are followed well enough for arguments as people type them.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

__all__ = ["active_parameter"]

ParameterKind = Literal["positional", "var_positional", "keyword_only", "var_keyword"]
# `name=` at an argument's start (not `name==`): a keyword argument.
_KEYWORD = re.compile(r"\s*([^\W\d]\w*)\s*=(?!=)")
_NAME = re.compile(r"[^\W\d]\w*")
_OPENING = {"(": ")", "[": "]", "{": "}"}


class Parameter(NamedTuple):
    name: str
    kind: ParameterKind


def active_parameter(signature: str, typed: str) -> str | None:
    """The name of the parameter of `signature` (as Jedi writes it: `area(width, height=2, *,
    unit='m')`) that the arguments `typed` since the call's `(` end at; None when none fits
    (past the last, a positional after a keyword argument, an unknown keyword)."""
    parameters = _parameters(signature)
    arguments = _top_level_parts(typed)
    keyword = _KEYWORD.match(arguments[-1])
    if keyword:
        named = [p for p in parameters if p.name == keyword[1] and p.kind in ("positional", "keyword_only")]
        if named:
            return named[0].name
        rest = [p for p in parameters if p.kind == "var_keyword"]
        return rest[0].name if rest else None
    if any(_KEYWORD.match(argument) for argument in arguments[:-1]):
        return None  # Python allows no positional argument after a keyword one
    position = len(arguments) - 1
    for index, parameter in enumerate(p for p in parameters if p.kind in ("positional", "var_positional")):
        if parameter.kind == "var_positional" or index == position:
            return parameter.name
    return None


def _parameters(signature: str) -> list[Parameter]:
    opening = signature.find("(")
    if opening < 0:
        return []
    inside = _top_level_parts(signature[opening + 1 :], stop_at_close=True)
    parameters: list[Parameter] = []
    keyword_only = False
    for part in (p.strip() for p in inside):
        if part in ("", "/"):
            continue
        if part == "*":
            keyword_only = True
            continue
        stars = len(part) - len(part.lstrip("*"))
        name = _NAME.match(part.lstrip("*"))
        if not name:
            continue
        if stars == 2:
            parameters.append(Parameter(name[0], "var_keyword"))
        elif stars == 1:
            parameters.append(Parameter(name[0], "var_positional"))
            keyword_only = True
        else:
            parameters.append(Parameter(name[0], "keyword_only" if keyword_only else "positional"))
    return parameters


def _top_level_parts(text: str, stop_at_close: bool = False) -> list[str]:
    """`text` split at its top-level commas (not inside brackets or strings); with
    `stop_at_close`, up to the bracket that closes one opened before `text`."""
    parts, current, closing = [], [], []
    quote = ""
    escaped = False
    for char in text:
        if quote:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char in _OPENING:
            closing.append(_OPENING[char])
        elif closing and char == closing[-1]:
            closing.pop()
        elif not closing and char in ")]}" and stop_at_close:
            break
        elif not closing and char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
