"""Page side of a completion: editor state -> `v1.CompletionRequested` -> the matching answer.

One call per CodeMirror query. The client asks at once after `.`, a key's opening quote and on
Ctrl+Space; typing a name asks once typing pauses (`debounceMs`, per cell). It commits the
request, waits for the `v1.CompletionReceived` with the same id through a store subscription, and
maps it to a CodeMirror result. Later keys of the same word reuse that answer, narrowed
(`word_answers`), even while it is still on its way. A request identical to one the store already
holds an answer to, computed in the namespace the kernel has now (a notebook reopened, another
tab; named with the cells above, `other_cells.named_with`), is not sent: the stored answer serves
it, as does one stored earlier in the word being typed (a word typed before the page was ready).
A call's signatures are asked once, at its `(`. It never raises into the editor: a failure is a log line and `None`. A query that
CodeMirror aborts stops waiting; the request itself is dropped, and its subscription released,
once the cell moves on to another word. When no answer comes at all (no kernel serves the
notebook), it completes locally (`fallback`) and stops asking the store for `noKernelBackoffMs`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from .debounce import Debouncer
from .events import ANSWERED_ALIKE, CompletionRequest, CompletionResponse, InvalidEvent, Operation, Suggestion, now_ms
from .fallback import local_suggestions
from .hints import to_completion_result, to_signature_help
from .offsets import utf16_length, utf16_to_index
from .options import Options
from .other_cells import named_with
from .store import CompletionStore, Unsubscribe
from .word_answers import WordAnswer, WordSpot, may_be_cut, narrowed, word_spot
from .words import asks, typed_word

__all__ = ["CompletionClient"]

log = logging.getLogger("livecomplete")


def _new_id() -> str:
    return uuid.uuid4().hex


def _answered(response: CompletionResponse) -> asyncio.Future[CompletionResponse | None]:
    answer: asyncio.Future[CompletionResponse | None] = asyncio.get_running_loop().create_future()
    answer.set_result(response)
    return answer


class CompletionClient:
    def __init__(
        self,
        store: CompletionStore,
        *,
        requested_by: str,
        options: Options = Options(),
        clock: Callable[[], float] = now_ms,
        new_id: Callable[[], str] = _new_id,
        on_answered: Callable[[str, float], None] | None = None,
        namespace: Callable[[], str | None] = lambda: None,
        other_cells: Callable[[str], Sequence[tuple[str, str]]] = lambda cell_id: (),
    ) -> None:
        self.requested_by = requested_by
        # The kernel namespace that answers now (see `agent.KernelBackend.namespace`); None
        # when unknown, and then nothing is answered from the store.
        self._namespace = namespace
        # The cells above a cell, as the kernel agent reads them: an answer computed knowing them
        # is stored under a namespace named with them too (`other_cells.named_with`).
        self._other_cells = other_cells
        # Told (completion id, ms from commit to answer) for each answer that arrives.
        self._on_answered = on_answered
        self.options = options
        self._store = store
        self._clock = clock
        self._new_id = new_id
        self._debouncer = Debouncer()
        self._no_kernel_until = 0.0  # clock ms: until then, complete locally without asking
        # While backing off: the watch on the request that went unanswered. Its late answer means
        # a kernel serves again (a sync backend came back, say), which ends the back-off.
        self._stop_watching_late: Unsubscribe | None = None
        self._words: dict[str, WordAnswer] = {}  # per cell: the word being typed and its answer
        # Per cell: the call being typed (the cell's text up to its `(`) and its signatures.
        self._calls: dict[str, tuple[str, CompletionResponse]] = {}
        self._waiting: set[str] = set()  # completion ids whose answer someone here still waits for

    def waits_for(self, completion_id: str) -> bool:
        """Whether this page still waits for the answer to request `completion_id`; once it does
        not (the query was cancelled, or its word answered otherwise), the kernel agent can skip
        computing it."""
        return completion_id in self._waiting

    def namespace_changed(self) -> None:
        """The kernel's names changed (a cell ran, a restart): earlier answers may be wrong now."""
        for word in self._words.values():
            word.answer.cancel()
        self._words.clear()
        self._calls.clear()

    def close(self) -> None:
        self.namespace_changed()
        self._stop_late_watch()

    async def complete(
        self, cell_id: str, source: str, cursor: int, *, explicit: bool = False
    ) -> dict[str, Any] | None:
        """A CodeMirror result (plain data) for `cursor`, a UTF-16 offset into `source`, or None."""
        for attempt in (1, 2):
            try:
                return await self._complete(cell_id, source, cursor, explicit)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if attempt == 2 or task is None or task.cancelling():
                    raise  # this query itself was cancelled (the person typed on)
                # The answer it waited for was dropped because the kernel's names changed (a
                # cell ran, a restart): ask again, in the new namespace.
            except Exception:
                log.exception("completion in cell %s failed", cell_id)
                return None
        return None

    async def _complete(
        self, cell_id: str, source: str, cursor: int, explicit: bool
    ) -> dict[str, Any] | None:
        index = utf16_to_index(source, cursor)
        before = source[:index]
        if not asks(before, explicit=explicit):
            return None
        if len(source) > self.options.max_source_chars:
            log.warning(
                "cell %s has %d characters, more than maxSourceChars=%d: not sent for completion",
                cell_id, len(source), self.options.max_source_chars,
            )
            return None
        spot = word_spot(cell_id, source, index)

        def shown(suggestions: Sequence[Suggestion]) -> dict[str, Any] | None:
            return to_completion_result(
                suggestions, text_before_cursor=before, cursor=cursor, text_after_cursor=spot.after_cursor
            )

        word = self._words.get(cell_id)
        if self.options.reuse_answers and not explicit and word is not None and word.serves(spot):
            self._debouncer.supersede(cell_id)
            response = await asyncio.shield(word.answer)
            if word.serves(spot) and response is not None and response.status == "success":
                options = narrowed(response.suggestions, spot.prefix)
                return shown(options)
            # Not a whole answer (the kernel was busy, none came, or it arrived cut and so does
            # not cover this longer word): ask again below.
        typed = typed_word(before)
        if explicit or before.endswith(".") or (typed.is_key and typed.starts_here()):
            # Asked for on purpose, or an attribute or key list opened (whose answer serves the
            # keys after it): go now, and make any request still waiting in this cell moot.
            self._debouncer.supersede(cell_id)
        elif not await self._debouncer.settle(cell_id, self.options.debounce_ms):
            return None
        found = self._stored_word_answer(spot, source, cursor, explicit)
        if found is not None:
            answered_at, stored = found
            self._start_word(answered_at, None, stored)
            options = narrowed(stored.suggestions, spot.prefix) if answered_at != spot else stored.suggestions
            return shown(options)
        if self._clock() < self._no_kernel_until:
            return self._local_result(source, index, cursor)
        request = CompletionRequest(
            completion_id=self._new_id(),
            cell_id=cell_id,
            source=source,
            cursor_position=cursor,
            requested_by=self.requested_by,
            timestamp=self._clock(),
        )
        response = await asyncio.shield(self._start_word(spot, request).answer)
        if response is None:
            return self._local_result(source, index, cursor)
        if response.status != "success":
            log.warning("completion %s: the kernel answered %s", request.completion_id, response.status)
        return shown(response.suggestions)

    async def describe(self, cell_id: str, source: str, cursor: int, label: str) -> dict[str, str | None] | None:
        """Signature and documentation of option `label` at `cursor`: {detail, documentation}.

        An answer reused for a longer word documents only its own first options. For another
        option the popup asks when it is highlighted: a request with the word completed to
        `label`, whose first option it then is. None when there is nothing to say.
        """
        spot = word_spot(cell_id, source, utf16_to_index(source, cursor))
        completed = spot.before_word + label
        response = await self._answer_of("describe", cell_id, completed + spot.after_cursor, utf16_length(completed))
        if response is None:
            return None
        for suggestion in response.suggestions:
            if suggestion.text == label and (suggestion.detail or suggestion.documentation):
                return {"detail": suggestion.detail, "documentation": suggestion.documentation}
        return None

    async def signature(
        self, cell_id: str, source: str, cursor: int, call_start: int | None = None
    ) -> dict[str, Any] | None:
        """The signature help at `cursor` (a call's arguments): {signatures: [{label,
        activeFrom, activeTo, documentation}]}, or None when the cursor is in no known call.
        `call_start` (UTF-16) is where the call's `(` is: the answer asked for that call serves
        every later position in its arguments (the cell's text up to the `(` unchanged), the
        active parameter read from what is typed since (`arguments.active_parameter`)."""
        index = utf16_to_index(source, cursor)
        opening = utf16_to_index(source, call_start) if call_start is not None and 0 <= call_start < cursor else None
        if opening is None or source[opening] != "(":
            response = await self._answer_of("signature", cell_id, source, cursor)
            return None if response is None else to_signature_help(response.suggestions)
        callee = source[: opening + 1]
        kept = self._calls.get(cell_id)
        if kept is not None and kept[0] == callee:
            response = kept[1]
        else:
            answer = await self._answer_of("signature", cell_id, source, cursor)
            if answer is None:
                return None
            self._calls[cell_id] = (callee, answer)
            response = answer
        return to_signature_help(response.suggestions, typed_arguments=source[opening + 1 : index])

    async def _answer_of(self, operation: Operation, cell_id: str, source: str, cursor: int) -> CompletionResponse | None:
        """The successful answer to an `operation` request at `cursor`: from the store when it
        holds one for the namespace that answers now, else from the kernel; None otherwise.
        Each operation has its own lane at the kernel agent, so it neither supersedes the cell's
        completions nor is superseded by them (only its own newest request matters)."""
        try:
            request = CompletionRequest(
                completion_id=self._new_id(),
                cell_id=cell_id,
                source=source,
                cursor_position=cursor,
                requested_by=self.requested_by,
                timestamp=self._clock(),
                operation=operation,
            )
            stored = self._stored_answer(self._answering_namespace(cell_id), source, cursor, operation)
            response = stored or await self._ask(request)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s at %d in cell %s failed", operation, cursor, cell_id)
            return None
        return response if response is not None and response.status == "success" else None

    def _start_word(
        self, spot: WordSpot, request: CompletionRequest | None, stored: CompletionResponse | None = None
    ) -> WordAnswer:
        """Send `request` as the answer for `spot` (it outlives the query that sent it), or let
        the `stored` answer be it."""
        previous = self._words.pop(spot.cell_id, None)
        if previous is not None:
            previous.answer.cancel()  # another word now: nobody will read that answer
        answer = asyncio.ensure_future(self._ask(request)) if request is not None else _answered(stored)
        word = WordAnswer(spot, answer, self.options.max_suggestions)
        self._words[spot.cell_id] = word
        return word

    def _stored_word_answer(
        self, spot: WordSpot, source: str, cursor: int, explicit: bool
    ) -> tuple[WordSpot, CompletionResponse] | None:
        """The store's answer to this request, or else to one made earlier in this word (at a
        pause, or at the dot before it), which narrowed serves it: a word typed before the page was
        ready, or typed again, say. With where it was asked."""
        namespace = self._answering_namespace(spot.cell_id)
        stored = self._stored_answer(namespace, source, cursor)
        if stored is not None:
            return spot, stored
        if explicit or not self.options.reuse_answers:
            return None
        # Where typing this word may have asked (at a pause, or at the dot), the longest first.
        for typed in range(len(spot.prefix) - 1, -1, -1):
            earlier = dataclasses.replace(spot, prefix=spot.prefix[:typed])
            if not earlier.word.serves(spot.word):
                continue  # asked with nothing typed: it left out the `_` names this word needs
            text_before = spot.before_word + earlier.prefix
            stored = self._stored_answer(namespace, text_before + spot.after_cursor, utf16_length(text_before))
            if stored is None:
                continue
            if may_be_cut(stored, self.options.max_suggestions):
                return None  # the options for this word may be among those cut
            return earlier, stored
        return None

    def _answering_namespace(self, cell_id: str) -> str | None:
        """The kernel namespace whose stored answers serve now; None: none do (unknown, or
        `reuseStoredAnswers` is off)."""
        if not self.options.reuse_stored_answers:
            return None
        try:
            return named_with(self._namespace(), self._other_cells(cell_id))
        except Exception:  # the notebook's store failing: reuse nothing rather than guess
            log.exception("could not read the cells above %s", cell_id)
            return None

    def _stored_answer(
        self, namespace: str | None, source: str, cursor: int, operation: Operation = "complete"
    ) -> CompletionResponse | None:
        """The store's answer to this very request computed in `namespace`, if any (an answer
        to an operation the kernel answers alike serves too)."""
        if namespace is None:
            return None
        try:
            row = self._store.stored_answer(namespace, source, cursor, ANSWERED_ALIKE[operation])
            return None if row is None else CompletionResponse.from_event(row, self.options)
        except InvalidEvent as error:
            log.warning("ignored an invalid stored answer: %s", error)
        except Exception:
            log.exception("reading a stored answer failed")
        return None

    def _local_result(self, source: str, index: int, cursor: int) -> dict[str, Any] | None:
        suggestions = local_suggestions(source, index, why="no kernel", limit=self.options.max_suggestions)
        return to_completion_result(
            suggestions, text_before_cursor=source[:index], cursor=cursor, text_after_cursor=source[index:]
        )

    async def _ask(self, request: CompletionRequest) -> CompletionResponse | None:
        """The answer to `request`, or None (after a backoff is set) when none came in time."""
        answer: asyncio.Future[CompletionResponse] = asyncio.get_running_loop().create_future()

        def on_rows(rows: Sequence[Any]) -> None:
            if answer.done():
                return
            for row in rows:
                try:
                    answer.set_result(CompletionResponse.from_event(row, self.options))
                    return
                except InvalidEvent as error:
                    log.warning("completion %s: ignored an invalid answer: %s", request.completion_id, error)

        self._stop_late_watch()  # asking again: the back-off is over
        # Watch before committing: in one tab LiveStore answers subscriptions inside commit().
        unsubscribe = self._store.watch_response(request.completion_id, on_rows)
        self._waiting.add(request.completion_id)
        try:
            committed = self._clock()
            self._store.commit_request(request)
            response = await asyncio.wait_for(answer, self.options.response_timeout_ms / 1000)
            self._no_kernel_until = 0.0  # a kernel answers (a description can arrive while backing off)
            if self._on_answered is not None:
                self._on_answered(request.completion_id, self._clock() - committed)
            return response
        except TimeoutError:
            self._no_kernel_until = self._clock() + self.options.no_kernel_backoff_ms
            log.warning(
                "no kernel answered within %d ms: completing locally for the next %d s",
                self.options.response_timeout_ms, self.options.no_kernel_backoff_ms // 1000,
            )
            self._watch_for_late_answer(request.completion_id)
            return None
        finally:
            self._waiting.discard(request.completion_id)
            unsubscribe()

    def _watch_for_late_answer(self, completion_id: str) -> None:
        def on_rows(rows: Sequence[Any]) -> None:
            if rows and self._stop_watching_late is not None:
                self._no_kernel_until = 0.0
                log.info("completion %s was answered late: asking the kernel again", completion_id)
                # Not inside the store's callback: LiveStore is still delivering it.
                asyncio.get_running_loop().call_soon(self._stop_late_watch)

        self._stop_watching_late = self._store.watch_response(completion_id, on_rows)

    def _stop_late_watch(self) -> None:
        if self._stop_watching_late is not None:
            stop, self._stop_watching_late = self._stop_watching_late, None
            stop()
