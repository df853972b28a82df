"""Warnings about answers the store holds but never uses: a second answer to one request, or an
answer to a request nobody made. The store keeps the first answer (see web/src/schema.js); this
only makes the others visible, one console line each, without acting on them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from .store import CompletionStore, Unsubscribe

__all__ = ["AnswerAudit"]

log = logging.getLogger("livecomplete")


class AnswerAudit:
    def __init__(self, store: CompletionStore) -> None:
        self._store = store
        self._reported: set[tuple[str, int, bool]] = set()
        self._primed = False  # the first rows are what the store held before this page
        self._unsubscribe: Unsubscribe | None = None

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self._store.watch_anomalies(self._on_rows)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_rows(self, rows: Sequence[Any]) -> None:
        first_look, self._primed = not self._primed, True
        fresh = []
        for row in rows:
            key = _key(row)
            if key is not None and key not in self._reported:
                self._reported.add(key)
                fresh.append(key)
        if first_look:
            # What was already in the store when the page opened: one line, not one per answer.
            if fresh:
                log.warning("the completion store holds %d unused answers from earlier sessions", len(fresh))
            return
        for completion_id, answers, requested in fresh:
            if not requested:
                log.warning("ignored an answer for completion %s: no request in this store asked for it", completion_id)
            else:
                log.warning("completion %s received %d answers: the first is used, the others are ignored",
                            completion_id, answers)


def _key(row: Any) -> tuple[str, int, bool] | None:
    if not isinstance(row, dict):
        return None
    completion_id, answers = row.get("completionId"), row.get("answers")
    if not isinstance(completion_id, str) or not isinstance(answers, (int, float)):
        return None
    return completion_id, int(answers), bool(row.get("requested"))
