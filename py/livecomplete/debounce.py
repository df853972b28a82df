"""Latest-wins debouncing of completion requests, one lane per cell, pure asyncio.

A burst of keys in one cell yields one request: each call waits, and only the newest call of
its lane is told to go ahead. Cancelling a waiting call (the editor aborted the query) is safe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

__all__ = ["Debouncer"]


class Debouncer:
    def __init__(self) -> None:
        self._latest: dict[Hashable, int] = {}
        self._ticket = 0

    async def settle(self, lane: Hashable, delay_ms: float) -> bool:
        """Wait `delay_ms`; True if no newer call arrived in `lane` meanwhile."""
        self._ticket += 1
        ticket = self._latest[lane] = self._ticket
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)
        if self._latest.get(lane) != ticket:
            return False
        del self._latest[lane]
        return True

    def supersede(self, lane: Hashable) -> None:
        """Mark pending waits in `lane` as outdated (a request is going out without waiting)."""
        self._ticket += 1
        self._latest[lane] = self._ticket
