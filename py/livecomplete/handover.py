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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .events import finite_number, now_ms
from .store import CompletionStore, Unsubscribe

__all__ = ["MAX_LEASE_MS", "AgentGroup", "Handover", "KernelLeases"]

log = logging.getLogger("livecomplete")

# The longest a single announcement can make pages stand by: a bogus one from a buggy or hostile
# client silences the page's kernel for at most this long after it arrives.
MAX_LEASE_MS = 60_000


class KernelLeases:
    """The announced remote kernels and until when each serves, by this page's clock."""

    def __init__(self, carried: Mapping[str, float] | None = None) -> None:
        self._until: dict[str, float] = {}
        self._warned: set[str] = set()
        # Leases known before this store was started afresh (`Handover.leases`): its history
        # may arrive late, and the page must not take a kernel that serves for gone meanwhile.
        self._carried = {k: float(v) for k, v in (carried or {}).items() if isinstance(k, str) and finite_number(v) is not None}

    def update(self, rows: Sequence[Any], now: float) -> None:
        """Replace what is known with `rows` ({kernelId, leaseMs, announcedAt}, untrusted)."""
        until = {}
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
            until[kernel_id] = min(now, announced) + min(lease, MAX_LEASE_MS)
        self._until = until

    def serving(self, now: float) -> str | None:
        """The remote kernel serving the notebook now, or None. Of several alive, the smallest
        id: every client picks the same one."""
        alive = [kernel_id for kernel_id, until in self.leases().items() if until > now]
        return min(alive) if alive else None

    def leases(self) -> dict[str, float]:
        """Until when each announced kernel serves, by this page's clock."""
        known = dict(self._carried)
        for kernel_id, until in self._until.items():
            known[kernel_id] = max(until, known.get(kernel_id, until))
        return known


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
    ) -> None:
        self._store = store
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
        self._checker: asyncio.Task[None] | None = None
        self._rows_seen = False

    def start(self) -> None:
        # Nothing is decided before the store has said which kernels announced themselves: a
        # store just opened (or started afresh) would otherwise start the page's agent for a moment.
        self._rows_seen = False
        self._unsubscribe = self._store.watch_remote_kernels(self._on_rows)
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
        if self._checker is not None:
            self._checker.cancel()
            self._checker = None

    def _on_rows(self, rows: Sequence[Any]) -> None:
        self._rows_seen = True
        self._leases.update(rows, self._clock())
        # Not inside the store's callback: starting the agent subscribes to the store.
        asyncio.get_running_loop().call_soon(self.apply)

    async def _check_every_while(self) -> None:
        while True:
            await asyncio.sleep(self._check_ms / 1000)
            self.apply()

    def apply(self) -> None:
        """Start or stop the page's agent for who serves now (leases lapse without any event)."""
        if self._unsubscribe is None or not self._rows_seen:
            return  # stopped, or the store has not answered yet
        serving = self._leases.serving(self._clock())
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
