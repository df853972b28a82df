"""Every tunable of livecomplete, with its default and why, in one place.

The page passes overrides as a plain mapping (``Options.from_mapping``); JavaScript sees the
same names in camelCase (``debounceMs`` ...), listed in the README.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["Options"]


@dataclasses.dataclass(frozen=True)
class Options:
    # Typing a name asks the kernel only once typing pauses this long: a person types a key every
    # 80-250 ms, so a word typed straight through asks nothing, and one paused on asks once (its
    # answer serves the keys after). `.`, a key's opening quote and Ctrl+Space ask at once.
    # `bench typing` counts the requests this saves over asking at each word's first letter.
    debounce_ms: int = 250

    # 1: the request made where a word starts (or after `.`) serves the keys typed after it,
    # narrowed locally (see `word_answers`). 0 asks anew after every pause (benchmarks compare).
    reuse_answers: int = 1

    # How long the page waits for a `v1.CompletionReceived` before completing locally instead.
    # A kernel agent answers within `kernelTimeoutMs` even when its kernel is stuck, so silence
    # this long means no kernel is serving the notebook.
    response_timeout_ms: int = 8_000

    # After a request went unanswered, complete locally (keywords, names in the cell) for this
    # long before asking the store again, so a missing kernel does not fill it with retries.
    no_kernel_backoff_ms: int = 15_000

    # 1: a request identical to one already answered (same cell text and cursor) in the
    # namespace the kernel has now is answered from the store, without asking the kernel: a
    # notebook reopened, another tab, a page whose kernel is still starting. 0: always ask.
    reuse_stored_answers: int = 1

    # The kernel agent keeps this many computed answers, by cell text and cursor, and answers an
    # identical request from them until a cell runs (0: every request goes to Jedi; benchmarks).
    kept_computations: int = 64

    # How long the kernel agent lets one Jedi call run before answering `timeout` (with local
    # names) and reporting the kernel as not responding, which offers a restart.
    kernel_timeout_ms: int = 5_000

    # Requests superseded by a newer one from the same cell are answered together, at most this
    # often: nobody waits for them, and fewer commits keep LiveStore from rebasing under a burst.
    superseded_flush_ms: int = 300

    # Soft budget for one Jedi call: past it, remaining options come without kind details or
    # documentation (names are cheap, `Completion.type`/docstrings are not).
    jedi_budget_ms: int = 250

    # On a notebook visited before, the page's kernel starts once the page has started and the
    # person, if they touched the page at all, has then pressed no key or pointer for this long
    # (at once if they never touched it), or when a cell runs or a completion needs it: its start
    # slows the keys typed meanwhile, and a revisit's first answers are in the store. The page
    # reads it before Python starts (livecomplete.js keeps the same default).
    kernel_start_pause_ms: int = 300

    # 1: the kernel unpacks Pyodide's zipped stdlib into its in-memory file system at start;
    # Jedi is several times slower against the zip (see `kernel_setup`). 0 keeps the zip (benchmarks).
    unpack_stdlib: int = 1

    # 1: the page's Python and the kernel start from memory snapshots made by `build.py` (Pyodide
    # with our modules imported and Jedi warmed), falling back to a plain start when a snapshot
    # is missing or does not fit. 0 always starts plainly (benchmarks compare).
    start_from_snapshot: int = 1

    # Enter accepts the highlighted option only when accepting changes the text and the person
    # picked it with the arrow keys or saw it, unchanged, this long after their last key; else it
    # starts a new line. Typists press Enter 80-250 ms after a line's last key (docs/typing.md).
    enter_accept_delay_ms: int = 400

    # The notebook saves a cell's source to its main store once typing has paused this long (and
    # at least every six times this while typing on; at once before a run): edits reach other
    # tabs and people within about this, at a few events per hundred keys, not one per key.
    source_save_ms: int = 500

    # Only the first few options get documentation and a signature; the popup shows one at a time.
    documented_options: int = 12

    # The popup asks the kernel about a highlighted option without documentation only once it has
    # stayed highlighted this long: typing on through a word asks nothing (descriptions were half
    # of all requests when asked at once; `bench typing`).
    describe_delay_ms: int = 300

    # 1: with a sync backend, the page keeps the completion store in memory, on its main thread,
    # and starts it from the backend on each visit: no OPFS leader between page and backend
    # (docs/tuning.md). 0 keeps it in OPFS (benchmarks compare).
    synced_completions_in_memory: int = 0

    # Limits on what crosses the store, so one bad request or answer stays small.
    max_suggestions: int = 500
    max_documentation_chars: int = 2_000
    max_detail_chars: int = 200
    max_source_chars: int = 200_000

    # LiveStore saves to OPFS after `commit()` returns, so a refused write (quota exhausted) never
    # fails a commit: events just stay unconfirmed. When some stay so this long without progress,
    # the page runs a cleanup round and reopens the store once, then keeps it in memory.
    store_stall_ms: int = 5_000

    # Cleanup of stale completion stores in OPFS (see `cleanup`). The first round waits until the
    # page has settled so it never competes with the first completion; then one round per period
    # (0 turns the periodic rounds off). Stores unused for longer than the retention are removed.
    cleanup_delay_ms: int = 20_000
    cleanup_interval_ms: int = 3_600_000
    cleanup_retention_days: int = 7

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Any] | None) -> Options:
        """Build options from camelCase or snake_case keys; unknown keys are an error."""
        if not overrides:
            return cls()
        known = {field.name: field for field in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in overrides.items():
            name = _snake_case(key)
            if name not in known:
                valid = ", ".join(sorted(_camel_case(n) for n in known))
                raise ValueError(f"unknown livecomplete option {key!r}; valid options: {valid}")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"option {key!r} must be a non-negative integer, got {value!r}")
            values[name] = value
        return cls(**values)

    def to_mapping(self) -> dict[str, int]:
        """The options as camelCase plain data, for the page to show or pass on."""
        return {_camel_case(k): v for k, v in dataclasses.asdict(self).items()}


def _snake_case(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
