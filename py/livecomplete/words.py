"""What counts as the word being typed, and whether typing there asks: one rule for everyone.

The client (when to ask, and at once or after a pause), the answers it reuses (`word_answers`),
the CodeMirror mapping (`hints`), the local fallback and the kernel all read the word before the
cursor through `typed_word`. A word is a Python name (after a dot: an attribute), or a key being
typed inside `obj["` / `obj['`, whose options are the object's keys (IPython's key completion).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

__all__ = ["JS_WORD", "Word", "asks", "typed_word"]

# Identifier characters before the cursor (Unicode-aware, as Python's own identifiers are).
_NAME_BEFORE = re.compile(r"\w*\Z")
# A key being typed: `[`, a quote, then anything but that quote, a backslash or a line end.
_KEY_BEFORE = re.compile(r"\[\s*(?P<quote>[\"'])(?P<prefix>[^\"'\\\n]*)\Z")
# JS side of the identifier class (used with the `u` flag): letters, marks, digits, connectors.
JS_WORD = r"[\p{L}\p{M}\p{N}\p{Pc}]"


@dataclasses.dataclass(frozen=True)
class Word:
    """The word being typed: `prefix` is what is typed of it, before the cursor."""

    prefix: str
    kind: Literal["name", "key"] = "name"
    quote: str = ""  # for a key: the quote that opened it

    @property
    def is_key(self) -> bool:
        return self.kind == "key"

    def starts_here(self) -> bool:
        """Whether the cursor is at the word's first key (a name's first letter, right after a
        key's opening quote): the answer asked for here serves every key typed after it."""
        return self.prefix == "" if self.is_key else len(self.prefix) == 1

    @property
    def hides_private(self) -> bool:
        """Whether its options leave out names starting with `_` (IPython's default): a name or
        attribute with nothing typed yet. The kernel leaves them out of such an answer, the popup
        shows none, and typing `_` asks again (an answer asked here serves no `_` word)."""
        return not self.is_key and not self.prefix

    def serves(self, longer: Word) -> bool:
        """Whether the options asked for this word, narrowed, are those of `longer` typed on from it."""
        if self.is_key != longer.is_key or not longer.prefix.casefold().startswith(self.prefix.casefold()):
            return False
        return not (self.hides_private and longer.prefix.startswith("_"))

    def valid_for(self, *, hide_private: bool) -> dict[str, str]:
        """CodeMirror's `validFor` (source, flags) for an answer asked about this word: it stays
        valid while the person keeps typing the same word."""
        if self.is_key:
            return {"source": f"^[^{self.quote}\\\\]*$", "flags": "u"}
        if hide_private:
            return {"source": f"^(?!_){JS_WORD}*$", "flags": "iu"}
        # Identifier characters are never regex syntax, so the prefix needs no escaping.
        return {"source": f"^{self.prefix}{JS_WORD}*$", "flags": "iu"}

    def closing(self, text_after_cursor: str) -> str:
        """What accepting a key adds after it: its closing quote and `]`, unless already there."""
        if not self.is_key:
            return ""
        after = text_after_cursor.lstrip(" ")
        quote = "" if after.startswith(self.quote) else self.quote
        rest = after[1:] if not quote else after
        return quote + ("" if rest.lstrip(" ").startswith("]") else "]")


def typed_word(text_before_cursor: str) -> Word:
    """The word being typed right before the cursor (its prefix may be empty)."""
    key = _KEY_BEFORE.search(text_before_cursor)
    if key:
        return Word(key["prefix"], "key", key["quote"])
    match = _NAME_BEFORE.search(text_before_cursor)
    return Word(match.group(0) if match else "")


def asks(text_before_cursor: str, *, explicit: bool) -> bool:
    """Whether typing here asks for completions: inside a name, right after `.`, inside a key,
    or on request (Ctrl+Space)."""
    if explicit:
        return True
    word = typed_word(text_before_cursor)
    if word.is_key:
        return True
    if word.prefix:
        # A number literal (`12`) is not a name being typed.
        return not word.prefix[0].isdigit()
    return text_before_cursor.endswith(".") and not text_before_cursor.endswith("..")
