"""How fast a notebook's stores grow during a visit, for the storage panel: events and bytes per hour.

The panel samples the stores' sizes whenever it refreshes; the rate is measured from the visit's
first sample, and only once a minute has passed (a rate over seconds of typing says little).
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["GrowthMeter", "Sample"]

HOUR_MS = 3_600_000
MIN_SPAN_MS = 60_000


@dataclasses.dataclass(frozen=True)
class Sample:
    at_ms: float
    events: int | None  # events in the completion store
    store_bytes: int | None  # its OPFS directory
    notebook_bytes: int | None  # the notebook's main store's OPFS directory


class GrowthMeter:
    def __init__(self, min_span_ms: float = MIN_SPAN_MS) -> None:
        self._first: Sample | None = None
        self._min_span_ms = min_span_ms

    def add(self, sample: Sample) -> dict[str, Any] | None:
        """{spanMs, eventsPerHour, storeBytesPerHour, notebookBytesPerHour} from the visit's first
        sample to `sample` (a figure is None where either sample lacks it); None before
        `min_span_ms` has passed since the first."""
        if self._first is None:
            self._first = sample
        span = sample.at_ms - self._first.at_ms
        if span < self._min_span_ms:
            return None

        def per_hour(first: int | None, now: int | None) -> int | None:
            return None if first is None or now is None else round((now - first) * HOUR_MS / span)

        return {
            "spanMs": round(span),
            "eventsPerHour": per_hour(self._first.events, sample.events),
            "storeBytesPerHour": per_hour(self._first.store_bytes, sample.store_bytes),
            "notebookBytesPerHour": per_hour(self._first.notebook_bytes, sample.notebook_bytes),
        }
