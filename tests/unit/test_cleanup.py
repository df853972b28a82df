"""The cleanup policy and round: only stale completion stores go; nothing else is ever touched."""

import asyncio
import logging

import pytest

from livecomplete.cleanup import (
    DAY_MS,
    CleanupReport,
    CleanupSchedule,
    StoreInUse,
    completion_store_directory,
    parse_completion_store,
    plan,
    run_round,
)

NOW = 1_800_000_000_000
RETENTION = 7 * DAY_MS
OURS = "livestore-notebook-1-completions@6"


def decide(entries, *, open_stores=(OURS,), now=NOW, current=6):
    decisions = plan(entries, now_ms=now, current_version=current, open_stores=set(open_stores), retention_ms=RETENTION)
    return {d.name: (d.remove, d.reason) for d in decisions}


@pytest.mark.parametrize(
    "name",
    [
        "livestore-notebook-1750103266697-6y9q7nvc0v4@6",  # a notebook's main store
        "livestore-notebook-1750103266697-6y9q7nvc0v4@4",  # an old main store
        "livestore-my-completions@6-backup",  # the text, but more after it
        "notes-completions@draft",
        "livestore--completions@6",  # empty store id
        "livestore-completions@6",  # store id "completions", not "*-completions"
        "livestore-a@b-completions@6",  # extra @
        "livestore-x-completions@6@7",
        "livestore-🐍-completions@4",  # unicode id: not one the page makes
        "livestore-x-completions@v4",  # a version that is not a number
        "livestore-x-completions@",
        "livestore-x-completions@-1",
        "livestore-x-completions@1.5",
        "Livestore-x-completions@4",
        " livestore-x-completions@4",
        "livestore-x-completions@4 ",
        "livestore-x-completions@4\n",
        "livestore-../x-completions@4",
        "livestore-x-completions",
        "custom-dir-completions@4",  # a custom directory: not how our stores are named
        "",
        "readme.txt",
    ],
)
def test_names_that_are_not_completion_stores_are_never_touched(name):
    assert parse_completion_store(name) is None
    assert decide([(name, 0.0)]) == {}


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("livestore-notebook-1-completions@6", ("notebook-1", 6)),
        ("livestore-nb.v2_x-completions@4", ("nb.v2_x", 4)),
        ("livestore-a-completions-completions@5", ("a-completions", 5)),
    ],
)
def test_completion_store_names_parse(name, parsed):
    assert parse_completion_store(name) == parsed


def test_directory_name_is_the_inverse():
    assert completion_store_directory("notebook-1", 6) == OURS
    assert parse_completion_store(completion_store_directory("nb", 6)) == ("nb", 6)


def test_other_storage_format_versions_are_removed_whatever_their_age():
    decisions = decide([("livestore-a-completions@4", NOW), ("livestore-b-completions@5", NOW), ("livestore-c-completions@7", NOW)])
    assert decisions == {
        "livestore-a-completions@4": (True, "storage format @4, current is @6"),
        "livestore-b-completions@5": (True, "storage format @5, current is @6"),
        "livestore-c-completions@7": (True, "storage format @7, current is @6"),
    }


def test_age_is_last_activity_not_the_date_in_the_notebook_id():
    old_id_used_today = "livestore-notebook-1500000000000-abc-completions@6"
    unused = "livestore-notebook-1799999999999-xyz-completions@6"
    decisions = decide([(old_id_used_today, NOW - 3_600_000), (unused, NOW - 8 * DAY_MS)])
    assert decisions[old_id_used_today][0] is False
    assert decisions[unused] == (True, "no activity for 8.0 days")


def test_retention_boundary_keeps_exactly_seven_days():
    assert decide([("livestore-a-completions@6", NOW - RETENTION)])["livestore-a-completions@6"][0] is False
    assert decide([("livestore-a-completions@6", NOW - RETENTION - 1)])["livestore-a-completions@6"][0] is True


def test_the_open_store_is_never_removed_even_when_old():
    decisions = decide([(OURS, NOW - 100 * DAY_MS)])
    assert decisions == {OURS: (False, "open in this page")}


def test_a_store_without_files_is_kept():
    assert decide([("livestore-a-completions@6", None)])["livestore-a-completions@6"] == (
        False, "holds no files to date its last activity")


def test_kept_stores_say_when_they_were_last_active():
    reasons = {name: reason for name, (_, reason) in decide([
        ("livestore-a-completions@6", NOW - 10_000),
        ("livestore-b-completions@6", NOW - 5 * 60_000),
        ("livestore-c-completions@6", NOW - 3 * 3_600_000),
        ("livestore-d-completions@6", NOW - 3 * DAY_MS),
    ]).items()}
    assert reasons == {
        "livestore-a-completions@6": "last active just now, within the retention",
        "livestore-b-completions@6": "last active 5 min ago, within the retention",
        "livestore-c-completions@6": "last active 3 h ago, within the retention",
        "livestore-d-completions@6": "last active 3.0 days ago, within the retention",
    }


def test_a_clock_behind_the_files_counts_as_fresh():
    assert decide([("livestore-a-completions@6", NOW + DAY_MS)])["livestore-a-completions@6"][0] is False


class MemoryRoot:
    """A `StorageRoot` in memory: name -> (last activity, bytes); some names held open."""

    def __init__(self, entries, held=(), broken=()):
        self.entries = dict(entries)
        self.held = set(held)
        self.broken = set(broken)

    async def directory_names(self):
        return list(self.entries)

    async def describe(self, name):
        if name in self.broken:
            raise OSError("unreadable")
        return self.entries[name]

    async def remove(self, name):
        if name in self.held:
            raise StoreInUse(name)
        del self.entries[name]


async def round_over(root, **overrides):
    arguments = dict(now_ms=NOW, current_version=6, open_stores={OURS}, retention_ms=RETENTION)
    arguments.update(overrides)
    return await run_round(root, **arguments)


async def test_a_round_removes_stale_stores_and_reports_bytes():
    root = MemoryRoot({
        OURS: (NOW - 100 * DAY_MS, 500),
        "livestore-old-completions@4": (NOW, 1000),
        "livestore-idle-completions@6": (NOW - 9 * DAY_MS, 2000),
        "livestore-busy-completions@6": (NOW - DAY_MS, 3000),
        "livestore-notebook-1@6": (NOW - 100 * DAY_MS, 4000),
    })
    report = await round_over(root)
    assert set(root.entries) == {OURS, "livestore-busy-completions@6", "livestore-notebook-1@6"}
    assert {r["name"]: r["bytes"] for r in report.removed} == {
        "livestore-old-completions@4": 1000, "livestore-idle-completions@6": 2000}
    assert report.bytes_freed == 3000
    assert {s["name"] for s in report.skipped} == {OURS, "livestore-busy-completions@6"}
    assert report.summary().startswith("cleanup: removed 2 completion stores (2.9 KB), skipped 2")
    single = await round_over(MemoryRoot({"livestore-x-completions@4": (NOW, 10)}))
    assert single.summary().startswith("cleanup: removed 1 completion store (10 B), skipped 0")


async def test_a_store_held_open_elsewhere_is_skipped_quietly_and_kept():
    root = MemoryRoot({"livestore-held-completions@4": (NOW, 10)}, held={"livestore-held-completions@4"})
    report = await round_over(root)
    assert report.removed == []
    assert report.skipped == [{"name": "livestore-held-completions@4", "why": "open in another tab or worker; retried next round"}]
    assert "livestore-held-completions@4" in root.entries
    root.held.clear()
    assert [r["name"] for r in (await round_over(root)).removed] == ["livestore-held-completions@4"]


async def test_unreadable_or_failing_stores_are_skipped_and_the_round_goes_on():
    class FailingRemove(MemoryRoot):
        async def remove(self, name):
            if name == "livestore-b-completions@4":
                raise PermissionError("quota")
            await super().remove(name)

    root = FailingRemove({
        "livestore-a-completions@4": (NOW, 1),
        "livestore-b-completions@4": (NOW, 1),
        "livestore-c-completions@4": (NOW, 1),
    }, broken={"livestore-a-completions@4"})
    report = await round_over(root)
    assert [r["name"] for r in report.removed] == ["livestore-c-completions@4"]
    whys = {s["name"]: s["why"] for s in report.skipped}
    assert whys["livestore-a-completions@4"] == "could not be read: unreadable"
    assert whys["livestore-b-completions@4"] == "removal failed: quota"


async def test_report_is_plain_data():
    report = await round_over(MemoryRoot({"livestore-a-completions@4": (NOW, 7)}))
    plain = report.to_plain()
    assert plain["bytesFreed"] == 7 and plain["ran"] is True and plain["startedAt"] == NOW
    assert plain["removed"] == [{"name": "livestore-a-completions@4", "bytes": 7, "reason": "storage format @4, current is @6"}]


async def test_schedule_runs_after_the_delay_then_periodically():
    rounds = []

    async def one_round(now_ms):
        rounds.append(now_ms)
        return CleanupReport(started_at_ms=0)

    reports = []
    schedule = CleanupSchedule(one_round, delay_ms=30, interval_ms=20, on_report=reports.append)
    schedule.start()
    await asyncio.sleep(0.01)
    assert rounds == []  # not before the page has settled
    await asyncio.sleep(0.08)
    schedule.stop()
    assert len(rounds) >= 2 and len(reports) == len(rounds)
    assert schedule.last_report is reports[-1]


async def test_a_failing_round_becomes_a_report_not_an_exception(caplog):
    async def one_round(now_ms):
        raise RuntimeError("OPFS is not available")

    schedule = CleanupSchedule(one_round, delay_ms=0, interval_ms=0, wall_clock=lambda: 5.0)
    with caplog.at_level(logging.INFO, logger="livecomplete"):
        report = await schedule.run_now()
    assert (report.ran, report.note) == (False, "failed: OPFS is not available")
    assert "cleanup round skipped: failed: OPFS is not available" in caplog.text


async def test_rounds_in_one_page_never_overlap():
    active = []
    overlaps = []

    async def one_round(now_ms):
        overlaps.append(len(active))
        active.append(1)
        await asyncio.sleep(0.01)
        active.pop()
        return CleanupReport(started_at_ms=0)

    schedule = CleanupSchedule(one_round, delay_ms=0, interval_ms=0)
    await asyncio.gather(*(schedule.run_now() for _ in range(3)))
    assert overlaps == [0, 0, 0]
