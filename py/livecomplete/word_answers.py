"""One request per word: the answer asked for where a word starts serves every key typed after it.

Jedi filters its options by the word before the cursor, case-insensitively, by its start. So the
answer for `os.p` holds every option for `os.pa`, `os.pat`, ... as long as the rest of the cell
is the same. Filtering it here gives what a new request would, without the store round trip or
Jedi. That is also what makes the request sent at once on `.` (or at a pause in a word)
count: without reuse, the next key would abandon it before it came back.

Pure logic, no I/O: the client keeps one `WordAnswer` per cell and asks `serves()` per query.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from .events import CompletionResponse, Suggestion
from .words import Word, typed_word

__all__ = ["WordAnswer", "WordSpot", "may_be_cut", "narrowed", "word_spot"]


@dataclasses.dataclass(frozen=True)
class WordSpot:
    """Where a word is being typed: the cell text around it, and what is typed so far."""

    cell_id: str
    before_word: str
    after_cursor: str
    prefix: str
    key: bool = False  # a key inside `d["`, not a name

    @property
    def word(self) -> Word:
        return Word(self.prefix, "key" if self.key else "name")

    def same_place(self, other: WordSpot) -> bool:
        return (self.cell_id, self.before_word, self.after_cursor) == (
            other.cell_id, other.before_word, other.after_cursor,
        )


def word_spot(cell_id: str, source: str, index: int) -> WordSpot:
    """The spot at `index` (a code-point index into `source`)."""
    word = typed_word(source[:index])
    return WordSpot(cell_id, source[: index - len(word.prefix)], source[index:], word.prefix, word.is_key)


def narrowed(suggestions: Sequence[Suggestion], prefix: str) -> list[Suggestion]:
    """The options Jedi would give for `prefix`: those starting with it, ignoring case."""
    folded = prefix.casefold()
    return [s for s in suggestions if s.text.casefold().startswith(folded)]


def may_be_cut(response: CompletionResponse | None, max_suggestions: int) -> bool:
    """Whether an answer is full (`max_suggestions` options) and so may have been cut: then it
    does not cover a longer prefix (the options for it may be among those cut)."""
    return response is not None and len(response.suggestions) >= max_suggestions


@dataclasses.dataclass
class WordAnswer:
    """A request made at `spot`, answered or still on its way (`answer`)."""

    spot: WordSpot
    answer: asyncio.Future[CompletionResponse | None]
    # How many options an answer may carry: a full one may have been cut, and then it does not
    # cover a longer prefix (the options for it may be among those cut).
    max_suggestions: int

    def serves(self, spot: WordSpot) -> bool:
        """Whether this answer, narrowed, is the answer at `spot` (when it is a success)."""
        if not self.spot.same_place(spot):
            return False
        if not self.spot.word.serves(spot.word):
            return False
        if spot.prefix != self.spot.prefix and self.answer.done() and not self.answer.cancelled():
            return not may_be_cut(self.answer.result(), self.max_suggestions)
        return True
