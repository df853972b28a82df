"""Which OPFS directories are stale completion stores, and one cleanup round that removes them.

LiveStore keeps each store in an OPFS root directory `livestore-<storeId>@<formatVersion>` and has
no compaction, so completion stores grow with every request. A round removes:
  * completion stores of another storage-format version (dead data after a LiveStore upgrade);
  * completion stores with no activity (newest file modification) for longer than the retention.
It never touches anything else: the name must be exactly `livestore-<notebookId>-completions@<n>`
with a notebook id of the page's alphabet. It never removes the store this page has open, and a
store another tab or worker holds open (removal fails as "in use") is skipped until a later round.

`plan` is the pure policy; `run_round` applies it through a small `StorageRoot` interface
(OPFS in the page, `_opfs.OpfsRoot`; an in-memory tree in tests).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any, Protocol

from .events import now_ms as _wall_clock_ms
from .naming import COMPLETIONS_SUFFIX, NOTEBOOK_ID_PATTERN, STORE_DIRECTORY_PREFIX, completion_store_directory

__all__ = [
    "CleanupReport",
    "CleanupSchedule",
    "Decision",
    "StoreInUse",
    "StorageRoot",
    "completion_store_directory",
    "parse_completion_store",
    "plan",
    "run_round",
]

log = logging.getLogger("livecomplete")

DAY_MS = 24 * 60 * 60 * 1000
# OPFS operations a round keeps in flight at once.
CONCURRENT_OPERATIONS = 16
# Only a directory named with the page's notebook-id alphabet is a store we made.
_COMPLETION_STORE = re.compile(
    rf"{re.escape(STORE_DIRECTORY_PREFIX)}(?P<notebook>{NOTEBOOK_ID_PATTERN}){re.escape(COMPLETIONS_SUFFIX)}"
    r"@(?P<version>[0-9]{1,9})"
)


class StoreInUse(Exception):
    """Removal failed because another tab or worker holds the store's files open."""


class StorageRoot(Protocol):
    async def directory_names(self) -> list[str]:
        """Names of the directories at the root."""

    async def describe(self, name: str) -> tuple[float | None, int]:
        """(newest file modification in ms or None when there are no files, total bytes)."""

    async def remove(self, name: str) -> None:
        """Remove the directory and everything in it; raise StoreInUse when it is held open."""


@dataclasses.dataclass(frozen=True)
class Decision:
    name: str
    remove: bool
    reason: str


@dataclasses.dataclass
class CleanupReport:
    started_at_ms: float
    duration_ms: float = 0.0
    removed: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # {name, bytes, reason}
    skipped: list[dict[str, str]] = dataclasses.field(default_factory=list)  # {name, why}
    ran: bool = True
    note: str | None = None  # why the round did not run, or what went wrong

    @property
    def bytes_freed(self) -> int:
        return sum(item["bytes"] for item in self.removed)

    def summary(self) -> str:
        if not self.ran:
            return f"cleanup round skipped: {self.note}"
        return (
            f"cleanup: removed {_count(len(self.removed), 'completion store')} ({_human_bytes(self.bytes_freed)}), "
            f"skipped {len(self.skipped)}, in {self.duration_ms:.0f} ms"
            + (f"; {self.note}" if self.note else "")
        )

    def to_plain(self) -> dict[str, Any]:
        return {
            "startedAt": self.started_at_ms,
            "durationMs": round(self.duration_ms, 1),
            "removed": self.removed,
            "skipped": self.skipped,
            "bytesFreed": self.bytes_freed,
            "ran": self.ran,
            "note": self.note,
            "summary": self.summary(),
        }


def parse_completion_store(name: str) -> tuple[str, int] | None:
    """(notebook id, storage-format version) when `name` is exactly a completion store's directory."""
    match = _COMPLETION_STORE.fullmatch(name)
    if match is None:
        return None
    return match["notebook"], int(match["version"])


def plan(
    directories: Sequence[tuple[str, float | None]],
    *,
    now_ms: float,
    current_version: int,
    open_stores: Collection[str],
    retention_ms: float,
) -> list[Decision]:
    """Decide for each completion store among `(name, last activity ms)`; other names are left out."""
    decisions = []
    for name, last_activity in directories:
        parsed = parse_completion_store(name)
        if parsed is None:
            continue
        _, version = parsed
        if name in open_stores:
            decisions.append(Decision(name, False, "open in this page"))
        elif version != current_version:
            decisions.append(Decision(name, True, f"storage format @{version}, current is @{current_version}"))
        elif last_activity is None:
            decisions.append(Decision(name, False, "holds no files to date its last activity"))
        elif now_ms - last_activity > retention_ms:
            days = (now_ms - last_activity) / DAY_MS
            decisions.append(Decision(name, True, f"no activity for {days:.1f} days"))
        else:
            decisions.append(Decision(name, False, f"last active {_ago(now_ms - last_activity)}, within the retention"))
    return decisions


async def run_round(
    root: StorageRoot,
    *,
    now_ms: float,
    current_version: int,
    open_stores: Collection[str],
    retention_ms: float,
    clock: Callable[[], float] = time.perf_counter,
) -> CleanupReport:
    """Look at every completion store, remove the stale ones; never raises for one bad store."""
    started = clock()
    report = CleanupReport(started_at_ms=now_ms)
    names = [name for name in await root.directory_names() if parse_completion_store(name)]
    # Each OPFS call is a round trip to the browser's storage backend: overlap them, a few at a time.
    turns = asyncio.Semaphore(CONCURRENT_OPERATIONS)

    async def describe(name: str) -> tuple[float | None, int] | Exception:
        async with turns:
            try:
                return await root.describe(name)
            except Exception as error:  # vanished meanwhile, or unreadable: not ours to judge now
                return error

    described: dict[str, tuple[float | None, int]] = {}
    for name, outcome in zip(names, await asyncio.gather(*(describe(n) for n in names))):
        if isinstance(outcome, Exception):
            report.skipped.append({"name": name, "why": f"could not be read: {outcome}"})
        else:
            described[name] = outcome
    decisions = plan(
        [(name, last) for name, (last, _) in described.items()],
        now_ms=now_ms, current_version=current_version, open_stores=open_stores, retention_ms=retention_ms,
    )

    async def remove(decision: Decision) -> str | None:
        """None when removed, else why not."""
        async with turns:
            try:
                await root.remove(decision.name)
            except StoreInUse:
                return "open in another tab or worker; retried next round"
            except Exception as error:
                return f"removal failed: {error}"
        return None

    doomed = [d for d in decisions if d.remove]
    failures = dict(zip((d.name for d in doomed), await asyncio.gather(*(remove(d) for d in doomed))))
    for decision in decisions:
        why_kept = decision.reason if not decision.remove else failures[decision.name]
        if why_kept is None:
            report.removed.append({"name": decision.name, "bytes": described[decision.name][1], "reason": decision.reason})
        else:
            report.skipped.append({"name": decision.name, "why": why_kept})
    report.duration_ms = (clock() - started) * 1000
    return report


class CleanupSchedule:
    """Runs cleanup rounds: one after `delay_ms`, then every `interval_ms`, and on demand.

    Rounds in one page never overlap; a round that fails becomes a report with a note, a log
    line, and is never raised into the page. Each report goes to `on_report` and is kept.
    """

    def __init__(
        self,
        run: Callable[[float | None], Awaitable[CleanupReport]],
        *,
        delay_ms: float,
        interval_ms: float,
        on_report: Callable[[CleanupReport], None] = lambda report: None,
        wall_clock: Callable[[], float] = _wall_clock_ms,
    ) -> None:
        self._run = run
        self._delay_ms = delay_ms
        self._interval_ms = interval_ms
        self._on_report = on_report
        self._wall_clock = wall_clock
        self._one_at_a_time = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.last_report: CleanupReport | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._periodically())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def run_now(self, now_ms: float | None = None) -> CleanupReport:
        """One round now; `now_ms` replaces the wall clock for the age policy (tests, what-ifs)."""
        async with self._one_at_a_time:
            try:
                report = await self._run(now_ms)
            except Exception as error:
                log.exception("cleanup round failed")
                report = CleanupReport(started_at_ms=now_ms or self._wall_clock(), ran=False,
                                       note=f"failed: {error}")
        self.last_report = report
        log.info("%s", report.summary())
        try:
            self._on_report(report)
        except Exception:
            log.exception("showing the cleanup report failed")
        return report

    async def _periodically(self) -> None:
        await asyncio.sleep(self._delay_ms / 1000)
        while True:
            await self.run_now()
            if self._interval_ms <= 0:
                return
            await asyncio.sleep(self._interval_ms / 1000)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _ago(elapsed_ms: float) -> str:
    minutes = max(0.0, elapsed_ms) / 60_000
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes:.0f} min ago"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} h ago"
    return f"{minutes / (24 * 60):.1f} days ago"


def _human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"
