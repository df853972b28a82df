"""Who answers a notebook's completions: the page's own kernel, or a remote kernel serving it.

A remote kernel (``_remote``, run by ``python3 build.py kernel``) announces itself in the store
(`v1.KernelAnnounced`, with a lease) every few seconds while it runs, and says `v1.KernelLeft`
when it stops. While an announcement's lease is fresh, a page's kernel agent stands by, so each
request is answered once; when the lease lapses (the kernel died, hung, or lost its connection to
the sync backend), the page's agent starts again and answers whatever is still open.

Two remote kernels on one notebook hand over the same way: of those alive, the one with the
smallest id serves, and the other stands by as the pages do.

Freshness is judged by the page's clock: an announcement counts from the earlier of when it was
made (the kernel's clock) and when it arrived, so an old one replayed from the event log never
looks fresh, and a kernel whose clock runs ahead gains nothing.

A kernel nobody asked anything of for a while goes dormant (`LeaseRenewal`): one announcement with
a long lease instead of one every few seconds, so an idle notebook's event log does not grow with
time alone. A dormant kernel must wake when asked: a page that asked it something and saw no new
announcement from it within `WAKE_MS` takes it for gone, as when an ordinary lease lapses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .events import finite_number, now_ms
from .store import CompletionStore, Unsubscribe

__all__ = [
    "DORMANT_LEASE_MS", "IDLE_AFTER_MS", "MAX_DORMANT_LEASE_MS", "MAX_LEASE_MS", "WAKE_MS",
    "AgentGroup", "Handover", "KernelLeases", "LeaseRenewal",
]

log = logging.getLogger("livecomplete")

# The longest a single announcement can make pages stand by: a bogus one from a buggy or hostile
# client silences the page's kernel for at most this long after it arrives. A longer lease is a
# dormant kernel's, which holds only until someone asks (WAKE_MS), and for at most a few hours.
MAX_LEASE_MS = 60_000
MAX_DORMANT_LEASE_MS = 4 * 3600_000
# A remote kernel asked nothing for this long goes dormant, announcing a lease this long (and
# again when half of it has passed: about 50 events a day, where renewing every few seconds
# would be tens of thousands).
IDLE_AFTER_MS = 60_000
DORMANT_LEASE_MS = 3600_000
# How long a dormant kernel has to announce itself again once asked something before pages take
# it for gone; under the page's response timeout, so that a page's own kernel can still answer.
WAKE_MS = 4_000


class KernelLeases:
    """The announced remote kernels and until when each serves, by this page's clock."""

    def __init__(self, carried: Mapping[str, float] | None = None) -> None:
        self._until: dict[str, float] = {}
        self._warned: set[str] = set()
        # Leases known before this store was started afresh (`Handover.leases`): its history
        # may arrive late, and the page must not take a kernel that serves for gone meanwhile.
        self._carried = {k: float(v) for k, v in (carried or {}).items() if isinstance(k, str) and finite_number(v) is not None}
        # Dormant kernels: since when, by this page's clock.
        self._dormant: dict[str, float] = {}
        # Kernels taken for gone (a dormant one that did not wake): their announcements up to then
        # (the kernel's clock, as the rows say), which no longer count.
        self._gone: dict[str, float] = {}
        self._announced: dict[str, float] = {}

    def update(self, rows: Sequence[Any], now: float) -> None:
        """Replace what is known with `rows` ({kernelId, leaseMs, announcedAt}, untrusted)."""
        until = {}
        dormant = {}
        for row in rows:
            kernel_id = row.get("kernelId") if isinstance(row, dict) else None
            lease = finite_number(row.get("leaseMs")) if isinstance(row, dict) else None
            announced = finite_number(row.get("announcedAt")) if isinstance(row, dict) else None
            if not isinstance(kernel_id, str) or not kernel_id or lease is None or lease <= 0 or announced is None:
                key = repr(row)[:200]
                if key not in self._warned:
                    self._warned.add(key)
                    log.warning("ignored an invalid kernel announcement: %s", key)
                continue
            if announced <= self._gone.get(kernel_id, float("-inf")):
                continue
            self._announced[kernel_id] = announced
            start = min(now, announced)
            if lease > MAX_LEASE_MS:
                until[kernel_id] = start + min(lease, MAX_DORMANT_LEASE_MS)
                dormant[kernel_id] = start
            else:
                until[kernel_id] = start + lease
        self._until = until
        self._dormant = dormant

    def serving(self, now: float) -> str | None:
        """The remote kernel serving the notebook now, or None. Of several alive, the smallest
        id: every client picks the same one."""
        alive = [kernel_id for kernel_id, until in self.leases().items() if until > now]
        return min(alive) if alive else None

    def dormant_since(self, kernel_id: str) -> float | None:
        """When `kernel_id`'s dormant announcement started (this page's clock), or None when its
        lease is an ordinary one."""
        return self._dormant.get(kernel_id)

    def gone(self, kernel_id: str) -> None:
        """Take `kernel_id` for gone: its announcements so far no longer count, a new one does."""
        self._gone[kernel_id] = self._announced.get(kernel_id, float("inf"))
        self._until.pop(kernel_id, None)
        self._dormant.pop(kernel_id, None)
        self._carried.pop(kernel_id, None)

    def leases(self) -> dict[str, float]:
        """Until when each announced kernel serves, by this page's clock."""
        known = dict(self._carried)
        for kernel_id, until in self._until.items():
            known[kernel_id] = max(until, known.get(kernel_id, until))
        return known


class LeaseRenewal:
    """When a remote kernel announces itself, and with which lease: at once and every third of
    `lease_ms` while people ask it things; after IDLE_AFTER_MS with nothing asked, once with
    DORMANT_LEASE_MS (dormant), renewed at half of it; awake again at once when asked. Times are
    the kernel's clock (ms)."""

    def __init__(self, lease_ms: float, now: float, idle_after_ms: float = IDLE_AFTER_MS,
                 dormant_lease_ms: float = DORMANT_LEASE_MS) -> None:
        self._lease_ms = lease_ms
        self._idle_after_ms = idle_after_ms
        self._dormant_lease_ms = dormant_lease_ms
        self._asked_at = now
        self._announced: tuple[float, float] | None = None  # (lease, when)

    @property
    def dormant(self) -> bool:
        return self._announced is not None and self._announced[0] == self._dormant_lease_ms

    def asked(self, now: float) -> bool:
        """Someone asked something (a request, a run). True when the kernel must announce itself
        now, awake: it was dormant."""
        self._asked_at = now
        return self.dormant

    def renew_at_once(self, now: float) -> None:
        """Asked something that needs a fresh lease now (a run is about to block the kernel)."""
        self._asked_at = now
        self._announced = None

    def due(self, now: float) -> float | None:
        """The lease to announce now, or None when no announcement is due."""
        if self._announced is None:
            return self._lease_ms
        lease, when = self._announced
        if now - self._asked_at < self._idle_after_ms:
            return self._lease_ms if self.dormant or now - when >= self._lease_ms / 3 else None
        if not self.dormant or now - when >= self._dormant_lease_ms / 2:
            return self._dormant_lease_ms
        return None

    def announced(self, lease: float, now: float) -> None:
        self._announced = (lease, now)


class AgentGroup:
    """Agents that serve together (a kernel's completion agent and its execution agent): the
    hand-over starts and stops them as one."""

    def __init__(self, *agents: Any) -> None:
        self._agents = agents

    @property
    def running(self) -> bool:
        return self._agents[0].running

    def start(self) -> None:
        for agent in self._agents:
            agent.start()

    def stop(self) -> None:
        for agent in self._agents:
            agent.stop()


class Handover:
    """Keeps a kernel agent standing by while another kernel serves the notebook: a page's
    while any remote kernel does; a remote kernel's (`me`, its id) while one before it does."""

    def __init__(
        self,
        store: CompletionStore,
        agent: Any,  # KernelAgent: start(), stop(), running
        *,
        me: str | None = None,
        clock: Callable[[], float] = now_ms,
        check_ms: float = 500,
        on_change: Callable[[str | None], None] | None = None,
        carried: Mapping[str, float] | None = None,
        may_serve: bool = True,
        on_asked: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        # Called (outside the store's callback) when a request opens: a remote kernel wakes on it.
        self._on_asked = on_asked
        # False: this client's agent never serves (a page whose token is not a kernel token,
        # docs/access.md); who serves is still followed and reported.
        self._may_serve = may_serve
        self._agent = agent
        self._me = me
        self._clock = clock
        self._check_ms = check_ms
        self._on_change = on_change
        self._leases = KernelLeases(carried)
        self.serving: str | None = None
        self._unsubscribe: Unsubscribe | None = None
        self._unsubscribe_asked: Unsubscribe | None = None
        self._checker: asyncio.Task[None] | None = None
        self._rows_seen = False
        # Open requests (anyone's) and when this client first saw each: a dormant kernel asked
        # something must wake (WAKE_MS).
        self._asked: dict[str, float] = {}

    def start(self) -> None:
        # Nothing is decided before the store has said which kernels announced themselves: a
        # store just opened (or started afresh) would otherwise start the page's agent for a moment.
        self._rows_seen = False
        self._unsubscribe = self._store.watch_remote_kernels(self._on_rows)
        self._unsubscribe_asked = self._store.watch_open_requests(None, self._on_open_requests)
        self._checker = asyncio.ensure_future(self._check_every_while())
        if self._rows_seen:
            self.apply()

    def leases(self) -> dict[str, float]:
        """What a store started afresh carries over (`carried`)."""
        return self._leases.leases()

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unsubscribe_asked is not None:
            self._unsubscribe_asked()
            self._unsubscribe_asked = None
        if self._checker is not None:
            self._checker.cancel()
            self._checker = None

    def _on_rows(self, rows: Sequence[Any]) -> None:
        self._rows_seen = True
        self._leases.update(rows, self._clock())
        # Not inside the store's callback: starting the agent subscribes to the store.
        asyncio.get_running_loop().call_soon(self.apply)

    def _on_open_requests(self, rows: Sequence[Any]) -> None:
        now = self._clock()
        ids = [row.get("completionId") for row in rows if isinstance(row, dict)]
        asked = {i: self._asked.get(i, now) for i in ids if isinstance(i, str)}
        new = asked.keys() - self._asked.keys()
        self._asked = asked
        if new and self._on_asked is not None:
            # Not inside the store's callback: a commit from a subscription is refused.
            asyncio.get_running_loop().call_soon(self._on_asked)

    def _wake_overdue(self, kernel_id: str, now: float) -> bool:
        """Whether dormant `kernel_id` was asked something after it went dormant, more than
        WAKE_MS ago, and has not announced itself since (an announcement ends its dormancy)."""
        since = self._leases.dormant_since(kernel_id)
        if since is None:
            return False
        asked = [seen for seen in self._asked.values() if seen >= since]
        return bool(asked) and now - min(asked) > WAKE_MS

    async def _check_every_while(self) -> None:
        while True:
            await asyncio.sleep(self._check_ms / 1000)
            self.apply()

    def apply(self) -> None:
        """Start or stop the page's agent for who serves now (leases lapse without any event)."""
        if self._unsubscribe is None or not self._rows_seen:
            return  # stopped, or the store has not answered yet
        now = self._clock()
        serving = self._leases.serving(now)
        if serving is not None and serving != self._me and self._wake_overdue(serving, now):
            log.warning("remote kernel %s did not wake when asked: taken for gone", serving)
            self._leases.gone(serving)
            serving = self._leases.serving(now)
        mine = self._may_serve and (serving is None or serving == self._me)
        who = "this kernel" if self._me else "the page's kernel"
        if not mine and self._agent.running:
            self._agent.stop()
            log.info("remote kernel %s serves this notebook: %s stands by", serving, who)
        elif mine and not self._agent.running:
            self._agent.start()
            if self.serving is not None and self.serving != self._me:
                log.info("remote kernel %s is gone: %s answers", self.serving, who)
        if serving != self.serving:
            self.serving = serving
            if self._on_change is not None:
                self._on_change(serving)
