"""Hand-over: a page's kernel agent stands by while a remote kernel's lease is fresh."""

import asyncio
import logging

from livecomplete import CompletionRequest
from livecomplete.handover import (
    DORMANT_LEASE_MS, IDLE_AFTER_MS, MAX_DORMANT_LEASE_MS, MAX_LEASE_MS, WAKE_MS, Handover, KernelLeases, LeaseRenewal,
)


def row(kernel_id, lease_ms=6000, announced_at=1000.0):
    return {"kernelId": kernel_id, "leaseMs": lease_ms, "announcedAt": announced_at}


def test_a_fresh_announcement_serves_until_its_lease_runs_out():
    leases = KernelLeases()
    leases.update([row("k1", 6000, 1000.0)], now=1000.0)
    assert leases.serving(1000.0) == "k1"
    assert leases.serving(6999.0) == "k1"
    assert leases.serving(7000.0) is None


def test_an_old_announcement_from_the_log_never_looks_fresh():
    leases = KernelLeases()
    leases.update([row("k1", 6000, announced_at=1000.0)], now=60_000.0)  # replayed a minute later
    assert leases.serving(60_000.0) is None


def test_a_kernel_clock_ahead_of_the_page_gains_nothing():
    leases = KernelLeases()
    leases.update([row("k1", 6000, announced_at=500_000.0)], now=1000.0)
    assert leases.serving(6999.0) == "k1"
    assert leases.serving(7000.0) is None


def test_of_several_alive_the_smallest_id_serves_so_every_client_agrees():
    leases = KernelLeases()
    leases.update([row("k2", announced_at=1000.0), row("k1", announced_at=900.0)], now=1000.0)
    assert leases.serving(1000.0) == "k1"
    assert leases.serving(6950.0) == "k2"  # k1's lease ran out first


def test_invalid_announcements_are_ignored_with_one_warning_each(caplog):
    leases = KernelLeases()
    bad = [row(""), row("k", lease_ms=-1), row("k", lease_ms=True), row("k", announced_at="soon"), "junk", row(7)]
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        leases.update(bad, now=1000.0)
        leases.update(bad, now=1001.0)
    assert leases.serving(1000.0) is None
    assert len(caplog.records) == len(bad)


def test_a_longer_lease_is_a_dormant_one_and_capped_so_a_bogus_one_cannot_silence_pages_for_long():
    leases = KernelLeases()
    leases.update([row("k1", lease_ms=MAX_LEASE_MS, announced_at=0.0), row("k2", lease_ms=10**12, announced_at=0.0)], now=0.0)
    assert leases.dormant_since("k1") is None and leases.dormant_since("k2") == 0.0
    assert leases.serving(MAX_LEASE_MS) == "k2"
    assert leases.serving(MAX_DORMANT_LEASE_MS - 1) == "k2"
    assert leases.serving(MAX_DORMANT_LEASE_MS) is None


def test_a_kernel_taken_for_gone_counts_again_only_with_a_new_announcement():
    leases = KernelLeases()
    leases.update([row("k1", DORMANT_LEASE_MS, announced_at=1000.0)], now=1000.0)
    leases.gone("k1")
    leases.update([row("k1", DORMANT_LEASE_MS, announced_at=1000.0)], now=2000.0)  # the same row again
    assert leases.serving(2000.0) is None
    leases.update([row("k1", 6000, announced_at=3000.0)], now=3000.0)
    assert leases.serving(3000.0) == "k1"


class FakeAgent:
    def __init__(self):
        self.running = False
        self.starts = self.stops = 0

    def start(self):
        self.running, self.starts = True, self.starts + 1

    def stop(self):
        self.running, self.stops = False, self.stops + 1


async def test_the_page_agent_stands_by_while_a_remote_kernel_serves_and_answers_again_after(store):
    now = [1000.0]
    agent, seen = FakeAgent(), []
    handover = Handover(store, agent, clock=lambda: now[0], check_ms=5, on_change=seen.append)
    handover.start()
    assert agent.running  # nobody else serves

    store.commit_kernel_announced("k1", 100, announced_at=1000.0)
    await asyncio.sleep(0.02)
    assert not agent.running and handover.serving == "k1"

    now[0] = 1100.0  # the lease lapsed: no event, the clock alone
    await asyncio.sleep(0.02)
    assert agent.running and handover.serving is None
    assert seen == ["k1", None]

    store.commit_kernel_announced("k1", 100, announced_at=1100.0)
    await asyncio.sleep(0.02)
    store.commit_kernel_left("k1")  # a goodbye: at once, not after the lease
    await asyncio.sleep(0.02)
    assert agent.running and (agent.starts, agent.stops) == (3, 2)
    handover.stop()


async def test_a_remote_kernel_stands_by_only_for_one_with_a_smaller_id(store):
    agent = FakeAgent()
    handover = Handover(store, agent, me="k2", clock=lambda: 1000.0, check_ms=5)
    handover.start()
    store.commit_kernel_announced("k2", 6000, announced_at=1000.0)
    await asyncio.sleep(0.02)
    assert agent.running  # itself
    store.commit_kernel_announced("k3", 6000, announced_at=1000.0)
    await asyncio.sleep(0.02)
    assert agent.running  # a later one stands by for it
    store.commit_kernel_announced("k1", 6000, announced_at=1000.0)
    await asyncio.sleep(0.02)
    assert not agent.running
    handover.stop()


class SlowToAnswerStore:
    """A store whose query of announced kernels answers a moment after the subscription, as a
    store started afresh from the backend may."""

    def __init__(self):
        self.on_rows = None

    def watch_remote_kernels(self, on_rows):
        self.on_rows = on_rows
        return lambda: None

    def watch_open_requests(self, requested_by, on_rows):
        return lambda: None


async def test_nothing_starts_before_the_store_has_said_who_announced_itself():
    store, agent, seen = SlowToAnswerStore(), FakeAgent(), []
    handover = Handover(store, agent, clock=lambda: 1000.0, check_ms=5, on_change=seen.append)
    handover.start()
    await asyncio.sleep(0.02)  # several checks pass meanwhile
    assert not agent.running and seen == []
    store.on_rows([row("k1", 6000, announced_at=1000.0)])
    await asyncio.sleep(0.02)
    assert not agent.running and seen == ["k1"]  # the page's agent never started
    handover.stop()


def test_a_lease_carried_over_keeps_serving_until_it_runs_out_even_if_the_rows_are_old():
    # A store started afresh: its rows may hold only an old announcement for a while.
    leases = KernelLeases(carried={"k1": 31_000.0})
    leases.update([row("k1", 30_000, announced_at=0.0)], now=20_000.0)
    assert leases.serving(30_999.0) == "k1"
    assert leases.serving(31_000.0) is None
    leases.update([row("k1", 30_000, announced_at=30_000.0)], now=30_000.0)  # a fresh one came
    assert leases.serving(59_999.0) == "k1"
    assert leases.leases() == {"k1": 60_000.0}


def test_carried_leases_that_are_not_numbers_are_left_out():
    assert KernelLeases(carried={"k1": "soon", "k2": 5.0, 3: 1.0}).leases() == {"k2": 5.0}


async def test_a_client_that_may_not_serve_never_starts_but_still_says_who_serves(store):
    # A page whose token is not a kernel token (docs/access.md).
    now = [1000.0]
    agent, seen = FakeAgent(), []
    handover = Handover(store, agent, clock=lambda: now[0], check_ms=5, on_change=seen.append, may_serve=False)
    handover.start()
    await asyncio.sleep(0.02)
    assert not agent.running
    store.commit_kernel_announced("k1", 100, announced_at=1000.0)
    await asyncio.sleep(0.02)
    now[0] = 1100.0  # the lease lapsed: a page that may serve would start its agent now
    await asyncio.sleep(0.02)
    assert agent.starts == 0 and seen == ["k1", None]
    handover.stop()


def ask(store, completion_id):
    store.commit_request(CompletionRequest(
        completion_id=completion_id, cell_id="c", source="x", cursor_position=1, requested_by="page-a", timestamp=0))


async def test_a_dormant_kernel_that_does_not_wake_when_asked_is_taken_for_gone(store):
    clock = {"now": 1000.0}
    agent, seen = FakeAgent(), []
    handover = Handover(store, agent, clock=lambda: clock["now"], check_ms=5, on_change=seen.append)
    handover.start()
    store.commit_kernel_announced("k1", DORMANT_LEASE_MS, announced_at=1000.0)
    await asyncio.sleep(0.02)
    assert seen == ["k1"] and not agent.running
    clock["now"] = 500_000.0  # long idle: the dormant lease holds
    await asyncio.sleep(0.02)
    assert not agent.running
    ask(store, "r1")
    clock["now"] += WAKE_MS  # not yet overdue
    await asyncio.sleep(0.02)
    assert not agent.running
    clock["now"] += 1
    await asyncio.sleep(0.02)
    assert agent.running and seen == ["k1", None]
    handover.stop()


async def test_a_dormant_kernel_that_wakes_when_asked_keeps_serving(store):
    clock = {"now": 1000.0}
    agent = FakeAgent()
    handover = Handover(store, agent, clock=lambda: clock["now"], check_ms=5)
    handover.start()
    store.commit_kernel_announced("k1", DORMANT_LEASE_MS, announced_at=1000.0)
    clock["now"] = 500_000.0
    ask(store, "r1")
    clock["now"] += 1000
    store.commit_kernel_announced("k1", 6000, announced_at=clock["now"])  # awake: an ordinary lease
    clock["now"] += WAKE_MS + 1000
    await asyncio.sleep(0.02)
    assert not agent.running and handover.serving == "k1"
    handover.stop()


def test_a_kernel_renews_every_third_of_its_lease_while_asked_then_goes_dormant_and_wakes_when_asked():
    renewal = LeaseRenewal(lease_ms=6000, now=0.0)
    assert renewal.due(0.0) == 6000  # the first announcement
    renewal.announced(6000, 0.0)
    assert renewal.due(1999.0) is None and renewal.due(2000.0) == 6000
    renewal.announced(6000, 2000.0)
    # Nobody asked for IDLE_AFTER_MS: one dormant announcement, then one per half of its lease.
    assert renewal.due(IDLE_AFTER_MS) == DORMANT_LEASE_MS
    renewal.announced(DORMANT_LEASE_MS, IDLE_AFTER_MS)
    assert renewal.due(IDLE_AFTER_MS + 2000.0) is None
    assert renewal.due(IDLE_AFTER_MS + DORMANT_LEASE_MS / 2) == DORMANT_LEASE_MS
    # Asked something: awake at once, with the ordinary lease.
    assert renewal.asked(IDLE_AFTER_MS + 10_000.0) is True
    assert renewal.due(IDLE_AFTER_MS + 10_000.0) == 6000
    renewal.announced(6000, IDLE_AFTER_MS + 10_000.0)
    assert renewal.asked(IDLE_AFTER_MS + 11_000.0) is False  # awake already: no extra announcement


def test_an_idle_day_costs_a_kernel_about_fifty_announcements_not_forty_thousand():
    renewal, now, idle_announcements = LeaseRenewal(lease_ms=6000, now=0.0), 0.0, 0
    while now < IDLE_AFTER_MS + 24 * 3600_000:
        if (lease := renewal.due(now)) is not None:
            renewal.announced(lease, now)
            idle_announcements += now >= IDLE_AFTER_MS
        now += 1000
    assert idle_announcements <= 50


async def test_a_new_open_request_is_reported_once_outside_the_stores_callback(store):
    asked = []
    handover = Handover(store, FakeAgent(), clock=lambda: 1000.0, check_ms=5, on_asked=lambda: asked.append(1))
    handover.start()
    ask(store, "r1")
    assert asked == []  # not inside the commit
    await asyncio.sleep(0)
    ask(store, "r2")
    await asyncio.sleep(0)
    assert len(asked) == 2
    store.commit_kernel_announced("k1", 6000, announced_at=1000.0)  # another change, no new request
    await asyncio.sleep(0)
    assert len(asked) == 2
    handover.stop()
