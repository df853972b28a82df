"""The page's client: one request per burst, the matching answer, never an exception."""

import asyncio
import itertools
import logging

import pytest

from livecomplete import CompletionClient, Options

FAST = Options(debounce_ms=10, response_timeout_ms=200)


def answer_with(store, suggestions, status="success"):
    """A kernel stand-in: answers each request as it lands in the store."""
    def on_rows(rows):
        for row in rows:
            if row["completionId"] not in store.responses:
                store.commit_raw_response({
                    "completionId": row["completionId"], "suggestions": suggestions,
                    "status": status, "timestamp": 1.0,
                })
    return store.watch_open_requests("page-1", on_rows)


def make_client(store, options=FAST):
    ids = (f"c{n}" for n in itertools.count(1))
    return CompletionClient(store, requested_by="page-1", options=options, clock=lambda: 1000.0, new_id=lambda: next(ids))


async def test_request_carries_the_v1_fields_and_the_answer_becomes_a_result(store):
    answer_with(store, [{"text": "path", "kind": "module"}])
    result = await make_client(store).complete("cell-1", "import os\nos.pa", 15)
    assert store.requests == [{
        "completionId": "c1", "cellId": "cell-1", "source": "import os\nos.pa",
        "cursorPosition": 15, "requestedBy": "page-1", "timestamp": 1000.0,
    }]
    assert result["from"] == 13
    assert [o["label"] for o in result["options"]] == ["path"]


async def test_a_word_typed_straight_through_asks_at_its_pause_and_that_answer_serves_every_key_after(store):
    answer_with(store, [{"text": "path", "kind": "module"}, {"text": "pardir", "kind": "variable"},
                        {"text": "pipe", "kind": "function"}])
    client = make_client(store, Options(debounce_ms=50, response_timeout_ms=500))
    text = "x = 1\npath"
    queries = []
    for end in range(len("x = 1\np"), len(text) + 1):  # "p", "pa", "pat", "path" typed
        queries.append(asyncio.ensure_future(client.complete("cell-1", text[:end], end)))
        # A pause after "pa" only: the keys before it come faster than `debounceMs`.
        await asyncio.sleep(0.2 if text[:end].endswith("pa") else 0.002)
    results = await asyncio.gather(*queries)
    assert [r["source"] for r in store.requests] == ["x = 1\npa"]  # one request, at the pause
    assert results[0] is None  # typed on before the pause: nothing asked, nothing shown
    assert [[o["label"] for o in r["options"]] for r in results[1:]] == [
        ["path", "pardir", "pipe"], ["path"], ["path"]]
    assert {r["from"] for r in results[1:]} == {len("x = 1\n")}


async def test_an_attribute_list_and_a_key_list_are_asked_for_at_once(store):
    answer_with(store, [{"text": "path", "kind": "key"}])
    client = make_client(store, Options(debounce_ms=60_000, response_timeout_ms=500))
    attributes = await client.complete("cell-1", "import os\nos.", 13)
    keys = await client.complete("cell-2", 'd = {}\nd["', 10)
    assert [o["label"] for o in attributes["options"]] == [o["label"] for o in keys["options"]] == ["path"]
    assert [r["source"] for r in store.requests] == ["import os\nos.", 'd = {}\nd["']


async def test_without_reuse_a_burst_of_keys_is_one_request_after_the_pause(store):
    answer_with(store, [{"text": "path", "kind": "module"}])
    client = make_client(store, Options(debounce_ms=10, response_timeout_ms=200, reuse_answers=0))
    text = "import os\nos.path"
    # Four keys within one turn of the event loop: a burst however loaded the machine is (keys a
    # few ms apart could outlast the 10 ms pause on a busy machine, and each ask).
    queries = [asyncio.ensure_future(client.complete("cell-1", text[:end], end))
               for end in range(len("import os\nos.p"), len(text) + 1)]
    results = await asyncio.gather(*queries)
    assert [r["source"] for r in store.requests] == [text]
    assert results[:-1] == [None, None, None] and results[-1] is not None


async def test_the_request_sent_at_a_dot_serves_the_keys_typed_before_it_is_answered(store):
    client = make_client(store)
    dot = asyncio.ensure_future(client.complete("cell-1", "os.", 3))
    await asyncio.sleep(0.01)
    dot.cancel()  # the next key aborts CodeMirror's query, not the request
    typed = asyncio.ensure_future(client.complete("cell-1", "os.ge", 5))
    await asyncio.sleep(0.01)
    assert len(store.requests) == 1 and store.watcher_count == 1
    store.commit_raw_response({"completionId": "c1", "status": "success", "timestamp": 1, "suggestions": [
        {"text": "getcwd", "kind": "function"}, {"text": "GETX", "kind": "variable"}, {"text": "path", "kind": "module"}]})
    assert [o["label"] for o in (await typed)["options"]] == ["getcwd", "GETX"]  # Jedi's match ignores case


@pytest.mark.parametrize("second", [
    ("cell-2", "os.pa", 5),          # another cell
    ("cell-1", "x = 1\nos.pa", 11),  # the cell changed around the word
    ("cell-1", "os.pa + 1", 5),      # ... or after the cursor
    ("cell-1", "os.x", 4),           # a word that does not extend the one asked about
])
async def test_an_answer_serves_only_its_own_word(store, second):
    answer_with(store, [{"text": "path", "kind": "module"}])
    client = make_client(store)
    await client.complete("cell-1", "os.p", 4)
    await client.complete(*second)
    assert len(store.requests) == 2


async def test_a_full_answer_does_not_serve_a_longer_word(store):
    # It may have been cut at maxSuggestions, and the longer word's options be among those cut.
    answer_with(store, [{"text": f"pa{i}", "kind": "variable"} for i in range(3)])
    client = make_client(store, Options(debounce_ms=0, response_timeout_ms=200, max_suggestions=3))
    await client.complete("cell-1", "os.p", 4)
    await client.complete("cell-1", "os.p", 4)  # the same word: served
    assert len(store.requests) == 1
    await client.complete("cell-1", "os.pa", 5)
    assert len(store.requests) == 2


async def test_a_full_answer_still_on_its_way_does_not_serve_the_longer_word_typed_meanwhile(store):
    """Regression: `obj.zz` typed while the answer to `obj.` was on its way was narrowed from it
    although it arrived cut at maxSuggestions, so `zzz_target` (past the cut) never showed."""
    client = make_client(store, Options(debounce_ms=0, response_timeout_ms=500, max_suggestions=3))
    at_dot = asyncio.ensure_future(client.complete("cell-1", "obj.", 4))
    await asyncio.sleep(0.01)
    longer = asyncio.ensure_future(client.complete("cell-1", "obj.zz", 6))  # typed on meanwhile
    await asyncio.sleep(0.01)
    assert len(store.requests) == 1  # waiting for the dot's answer
    cut = [{"text": f"a{i}", "kind": "variable"} for i in range(3)]
    store.commit_raw_response({"completionId": "c1", "suggestions": cut, "status": "success", "timestamp": 1.0})
    await asyncio.sleep(0.01)
    assert [r["source"] for r in store.requests] == ["obj.", "obj.zz"]  # asked again for the word
    store.commit_raw_response({"completionId": "c2", "suggestions": [{"text": "zzz_target", "kind": "variable"}],
                               "status": "success", "timestamp": 2.0})
    assert [o["label"] for o in (await longer)["options"]] == ["zzz_target"]
    assert [o["label"] for o in (await at_dot)["options"]] == ["a0", "a1", "a2"]


async def test_explicit_requests_and_a_changed_namespace_ask_again(store):
    answer_with(store, [{"text": "path", "kind": "module"}])
    client = make_client(store)
    await client.complete("cell-1", "os.p", 4)
    await client.complete("cell-1", "os.pa", 5, explicit=True)
    assert len(store.requests) == 2
    client.namespace_changed()  # a cell ran: names may differ now
    await client.complete("cell-1", "os.pat", 6)
    assert len(store.requests) == 3


async def test_a_query_whose_answer_is_dropped_by_a_namespace_change_asks_again(store):
    client = make_client(store)
    query = asyncio.ensure_future(client.complete("cell-1", "import os\nos.", 13))
    await asyncio.sleep(0.01)
    assert [r["completionId"] for r in store.requests] == ["c1"]  # not answered yet
    client.namespace_changed()  # the kernel became ready, say, or a cell ran
    await asyncio.sleep(0.01)
    answer_with(store, [{"text": "path", "kind": "module"}])
    result = await query
    assert [r["completionId"] for r in store.requests] == ["c1", "c2"]
    assert [o["label"] for o in result["options"]] == ["path"]


async def test_a_cancelled_query_stays_cancelled(store):
    query = asyncio.ensure_future(make_client(store).complete("cell-1", "import os\nos.", 13))
    await asyncio.sleep(0.01)
    query.cancel()
    with pytest.raises(asyncio.CancelledError):
        await query


async def test_an_answer_that_is_not_a_success_is_not_reused(store, caplog):
    answer_with(store, [{"text": "path", "kind": "module"}], status="timeout")
    client = make_client(store)
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        await client.complete("cell-1", "os.p", 4)
        await client.complete("cell-1", "os.pa", 5)
    assert len(store.requests) == 2


async def test_dot_and_explicit_requests_skip_the_wait(store):
    answer_with(store, [{"text": "path", "kind": "module"}])
    client = make_client(store, Options(debounce_ms=10_000, response_timeout_ms=200))
    assert await asyncio.wait_for(client.complete("cell-1", "os.", 3), 1) is not None
    assert await asyncio.wait_for(client.complete("cell-1", "x = ", 4, explicit=True), 1) is not None
    assert len(store.requests) == 2


async def test_nothing_is_asked_between_words(store):
    assert await make_client(store).complete("cell-1", "x = ", 4) is None
    assert store.requests == []


async def test_no_kernel_means_local_completions_without_filling_the_store(store, caplog):
    clock = [1000.0]
    ids = (f"c{n}" for n in itertools.count(1))
    client = CompletionClient(store, requested_by="page-1", options=Options(debounce_ms=0, response_timeout_ms=50,
                              no_kernel_backoff_ms=10_000), clock=lambda: clock[0], new_id=lambda: next(ids))
    source = "values = []\nval"
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        result = await client.complete("cell-1", source, len(source))
    assert [o["label"] for o in result["options"]] == ["values", "ValueError"]  # the cell's name, then builtins
    assert result["options"][0]["detail"] == "name in this cell (no kernel)"
    assert "no kernel answered within 50 ms: completing locally for the next 10 s" in caplog.text
    assert store.watcher_count == 1  # only the watch for a late answer
    # While backing off, typing completes locally and commits nothing.
    for _ in range(5):
        assert (await client.complete("cell-1", source, len(source)))["options"][0]["label"] == "values"
    assert len(store.requests) == 1
    # After the back-off, it asks the store again.
    clock[0] += 10_001
    stop_answering = answer_with(store, [{"text": "values", "kind": "variable"}])
    assert (await client.complete("cell-1", source, len(source)))["options"][0]["detail"] == "variable"
    assert len(store.requests) == 2
    stop_answering()
    assert store.watcher_count == 0  # asking again released the watch for a late answer


async def test_a_late_answer_ends_the_back_off_at_once(store, caplog):
    ids = (f"c{n}" for n in itertools.count(1))
    client = CompletionClient(store, requested_by="page-1", options=Options(debounce_ms=0, response_timeout_ms=50,
                              no_kernel_backoff_ms=60_000), clock=lambda: 1000.0, new_id=lambda: next(ids))
    source = "values = []\nval"
    await client.complete("cell-1", source, len(source))  # unanswered: backing off for a minute
    with caplog.at_level(logging.INFO, logger="livecomplete"):
        store.commit_raw_response({"completionId": "c1", "suggestions": [], "status": "success", "timestamp": 1.0})
        await asyncio.sleep(0)
    assert "completion c1 was answered late: asking the kernel again" in caplog.text
    assert store.watcher_count == 0
    answer_with(store, [{"text": "values", "kind": "variable"}])
    assert (await client.complete("cell-1", source, len(source)))["options"][0]["detail"] == "variable"
    assert len(store.requests) == 2
    client.close()


async def test_a_request_is_released_when_its_cell_moves_to_another_word(store):
    client = make_client(store)
    query = asyncio.ensure_future(client.complete("cell-1", "os.", 3))
    await asyncio.sleep(0.02)
    assert store.watcher_count == 1
    query.cancel()
    with pytest.raises(asyncio.CancelledError):
        await query
    assert store.watcher_count == 1  # still serving the word being typed
    other = asyncio.ensure_future(client.complete("cell-1", "sys.", 4))
    await asyncio.sleep(0.02)
    assert store.watcher_count == 1  # the new word's request only
    other.cancel()
    client.close()
    await asyncio.sleep(0.01)
    assert store.watcher_count == 0


async def test_an_answer_for_another_request_is_never_used(store):
    client = make_client(store)
    query = asyncio.ensure_future(client.complete("cell-1", "os.", 3))
    await asyncio.sleep(0.02)
    store.commit_raw_response({"completionId": "other", "suggestions": [{"text": "stale", "kind": "variable"}],
                               "status": "success", "timestamp": 1.0})
    store.commit_raw_response({"completionId": "c1", "suggestions": [{"text": "fresh", "kind": "variable"}],
                               "status": "success", "timestamp": 2.0})
    result = await query
    assert [o["label"] for o in result["options"]] == ["fresh"]


async def test_an_invalid_answer_is_ignored_with_a_warning(store, caplog):
    client = make_client(store)
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        query = asyncio.ensure_future(client.complete("cell-1", "os.", 3))
        await asyncio.sleep(0.02)
        store.commit_raw_response({"completionId": "c1", "suggestions": "boom", "status": "success", "timestamp": 1})
        assert await query is None  # the only answer was invalid: no popup from it (nor locally after "os.")
    assert "ignored an invalid answer: suggestions must be a list" in caplog.text


async def test_error_and_timeout_answers_show_nothing_and_log(store, caplog):
    answer_with(store, [], status="error")
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        assert await make_client(store).complete("cell-1", "os.", 3) is None
    assert "the kernel answered error" in caplog.text


async def test_emoji_before_the_cursor(store):
    answer_with(store, [{"text": "upper", "kind": "function"}])
    source = 's = "🐍"\ns.up'
    result = await make_client(store).complete("cell-1", source, len(source) + 1)
    assert store.requests[0]["cursorPosition"] == len(source) + 1
    assert result["from"] == len(source) + 1 - 2


async def test_a_cursor_inside_a_surrogate_pair_is_logged_not_raised(store, caplog):
    with caplog.at_level(logging.ERROR, logger="livecomplete"):
        assert await make_client(store).complete("cell-1", "🐍", 1) is None
    assert "completion in cell cell-1 failed" in caplog.text
    assert store.requests == []


async def test_an_oversized_cell_is_not_sent(store, caplog):
    source = "x" * 50
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        assert await make_client(store, Options(max_source_chars=10)).complete("c", source, 50, explicit=True) is None
    assert "more than maxSourceChars=10" in caplog.text
    assert store.requests == []


async def test_a_store_that_fails_to_commit_is_logged_not_raised(store, caplog):
    def broken(request):
        raise RuntimeError("quota exceeded")
    store.commit_request = broken
    with caplog.at_level(logging.ERROR, logger="livecomplete"):
        assert await make_client(store).complete("cell-1", "os.", 3) is None
    assert "quota exceeded" in caplog.text
    assert store.watcher_count == 0


async def test_describing_an_option_asks_with_the_word_completed_to_it(store):
    answer_with(store, [{"text": "join", "kind": "function", "detail": "join(a, *p)", "documentation": "Join paths."},
                        {"text": "joinx", "kind": "function"}])
    client = make_client(store)
    source = "import os\nos.path.jo + 1"
    described = await client.describe("cell-1", source, len("import os\nos.path.jo"), "join")
    assert described == {"detail": "join(a, *p)", "documentation": "Join paths."}
    assert store.requests[-1]["source"] == "import os\nos.path.join + 1"
    assert store.requests[-1]["cellId"] == "cell-1"
    assert store.requests[-1]["operation"] == "describe"  # its own lane: never supersedes the cell's completions
    assert store.requests[-1]["cursorPosition"] == len("import os\nos.path.join")
    assert await client.describe("cell-1", source, len("import os\nos.path.jo"), "joinx") is None  # nothing to say


async def test_any_answer_while_backing_off_ends_the_back_off(store):
    ids = (f"c{n}" for n in itertools.count(1))
    client = CompletionClient(store, requested_by="page-1", options=Options(debounce_ms=0, response_timeout_ms=50,
                              no_kernel_backoff_ms=60_000), clock=lambda: 1000.0, new_id=lambda: next(ids))
    source = "import os\nos.path.jo"
    await client.complete("cell-1", source, len(source))  # unanswered: backing off for a minute
    answer_with(store, [{"text": "join", "kind": "function", "detail": "join(a, *p)"}])
    # A highlighted option is described: the kernel answers, so it serves again.
    assert (await client.describe("cell-1", source, len(source), "join"))["detail"] == "join(a, *p)"
    assert (await client.complete("cell-1", source, len(source)))["options"][0]["detail"] == "join(a, *p)"
    assert len(store.requests) == 3
    client.close()


def stored(store, completion_id, source, cursor, namespace, suggestions, status="success", timestamp=1.0):
    """An earlier request and its answer in the store, computed in `namespace`."""
    store.commit_raw_request({"completionId": completion_id, "cellId": "cell-9", "source": source,
                              "cursorPosition": cursor, "requestedBy": "page-old", "timestamp": 1.0})
    store.commit_raw_response({"completionId": completion_id, "suggestions": suggestions,
                               "status": status, "timestamp": timestamp})
    store.namespaces[completion_id] = namespace


def namespaced_client(store, namespace, options=FAST):
    ids = (f"c{n}" for n in itertools.count(1))
    return CompletionClient(store, requested_by="page-1", options=options, clock=lambda: 1000.0,
                            new_id=lambda: next(ids), namespace=lambda: namespace)


async def test_a_request_answered_before_in_the_same_namespace_is_answered_from_the_store(store):
    stored(store, "old", "import os\nos.", 13, "fresh",
           [{"text": "path", "kind": "module"}, {"text": "pardir", "kind": "variable"}])
    client = namespaced_client(store, "fresh")
    result = await client.complete("cell-1", "import os\nos.", 13)
    assert [o["label"] for o in result["options"]] == ["path", "pardir"]
    # The stored answer serves the rest of the word too; nothing was sent to a kernel.
    result = await client.complete("cell-1", "import os\nos.pa", 15)
    assert [o["label"] for o in result["options"]] == ["path", "pardir"]
    result = await client.complete("cell-1", "import os\nos.pat", 16)
    assert [o["label"] for o in result["options"]] == ["path"]
    assert [r["completionId"] for r in store.requests] == ["old"]


async def test_the_newest_stored_answer_serves(store):
    stored(store, "older", "x.", 2, "fresh", [{"text": "old", "kind": "variable"}], timestamp=1.0)
    stored(store, "newer", "x.", 2, "fresh", [{"text": "new", "kind": "variable"}], timestamp=2.0)
    result = await namespaced_client(store, "fresh").complete("cell-1", "x.", 2)
    assert [o["label"] for o in result["options"]] == ["new"]


@pytest.mark.parametrize("namespace", ["k1:1", None])
async def test_an_answer_from_another_namespace_or_an_unknown_one_is_not_used(store, namespace):
    # After a cell ran (k1:1), names may differ from a fresh kernel's; None: nothing is known.
    stored(store, "old", "zebr", 4, "fresh", [{"text": "zebra_was_not_defined", "kind": "variable"}])
    answer_with(store, [{"text": "zebra_unique", "kind": "variable"}])
    result = await namespaced_client(store, namespace).complete("cell-1", "zebr", 4, explicit=True)
    assert [o["label"] for o in result["options"]] == ["zebra_unique"]
    assert [r["completionId"] for r in store.requests] == ["old", "c1"]


async def test_only_the_same_text_and_cursor_and_a_success_are_used(store):
    stored(store, "same-text", "import os\nos.", 13, "fresh", [{"text": "wrong", "kind": "module"}])
    stored(store, "failed", "import sys\nsys.", 15, "fresh", [], status="error")
    answer_with(store, [{"text": "path", "kind": "module"}])
    client = namespaced_client(store, "fresh")
    result = await client.complete("cell-1", "import os\nos.", 13)
    assert [o["label"] for o in result["options"]] == ["wrong"]  # same text and cursor: used
    for source, cursor in (("import os\n os.", 14), ("import sys\nsys.", 15)):
        client.namespace_changed()
        result = await client.complete("cell-1", source, cursor, explicit=True)
        assert [o["label"] for o in result["options"]] == ["path"]
    assert len(store.requests) == 4


async def test_with_the_option_off_the_store_is_not_read(store):
    stored(store, "old", "x.", 2, "fresh", [{"text": "stored", "kind": "variable"}])
    answer_with(store, [{"text": "computed", "kind": "variable"}])
    client = namespaced_client(store, "fresh", Options(debounce_ms=10, response_timeout_ms=200, reuse_stored_answers=0))
    result = await client.complete("cell-1", "x.", 2)
    assert [o["label"] for o in result["options"]] == ["computed"]


async def test_an_invalid_stored_answer_is_ignored_with_a_warning_and_the_kernel_asked(store, caplog):
    stored(store, "bad", "x.", 2, "fresh", "not a list")  # written by a hostile or broken client
    answer_with(store, [{"text": "computed", "kind": "variable"}])
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        result = await namespaced_client(store, "fresh").complete("cell-1", "x.", 2)
    assert [o["label"] for o in result["options"]] == ["computed"]
    assert "ignored an invalid stored answer" in caplog.text


async def test_a_description_answered_before_in_the_same_namespace_comes_from_the_store(store):
    stored(store, "old", "import os\nos.path", 17, "fresh",
           [{"text": "path", "kind": "module", "documentation": "Common pathname manipulations."}])
    described = await namespaced_client(store, "fresh").describe("cell-1", "import os\nos.pa", 15, "path")
    assert described == {"detail": None, "documentation": "Common pathname manipulations."}
    assert [r["completionId"] for r in store.requests] == ["old"]


async def test_a_word_typed_before_the_page_was_ready_is_served_by_the_answer_stored_where_it_started(store):
    # The person typed `os.pa` before the page could ask anything; the dot's answer is stored.
    stored(store, "dot", "import os\nos.", 13, "fresh",
           [{"text": "path", "kind": "module"}, {"text": "pardir", "kind": "variable"},
            {"text": "pipe", "kind": "function"}])
    client = namespaced_client(store, "fresh")
    result = await client.complete("cell-1", "import os\nos.pa", 15)
    assert [o["label"] for o in result["options"]] == ["path", "pardir"]
    assert result["from"] == 13
    # It is this word's answer now: the next key narrows it too.
    result = await client.complete("cell-1", "import os\nos.pat", 16)
    assert [o["label"] for o in result["options"]] == ["path"]
    assert [r["completionId"] for r in store.requests] == ["dot"]


async def test_the_answer_stored_at_a_words_first_letter_comes_before_the_dots(store):
    stored(store, "dot", "x = d.", 6, "fresh", [{"text": "tot_from_the_dot", "kind": "variable"}])
    stored(store, "first", "x = d.t", 7, "fresh",
           [{"text": "total", "kind": "variable"}, {"text": "tuple", "kind": "class"}])
    result = await namespaced_client(store, "fresh").complete("cell-1", "x = d.tot", 9)
    assert [o["label"] for o in result["options"]] == ["total"]
    assert [r["completionId"] for r in store.requests] == ["dot", "first"]


@pytest.mark.parametrize("why", ["cut short", "explicit", "another place"])
async def test_a_words_stored_start_does_not_serve_a_cut_answer_an_explicit_request_or_other_text(store, why):
    # An answer with max_suggestions options may have lost this word's options when it was cut.
    suggestions = [{"text": "pardir", "kind": "variable"}, {"text": "pathsep", "kind": "variable"}]
    stored(store, "dot", "import os\nos.", 13, "fresh", suggestions)
    answer_with(store, [{"text": "path", "kind": "module"}])
    options = Options(debounce_ms=10, response_timeout_ms=200, max_suggestions=2 if why == "cut short" else 50)
    source = "import os\nos.pa" + ("\nprint()" if why == "another place" else "")
    result = await namespaced_client(store, "fresh", options).complete(
        "cell-1", source, 15, explicit=why == "explicit")
    assert [o["label"] for o in result["options"]] == ["path"]
    assert [r["completionId"] for r in store.requests] == ["dot", "c1"]


async def test_a_words_request_answered_otherwise_is_no_longer_waited_for(store):
    # `o` asked the kernel after a pause (no answer yet); the person typed `os.`, which the store
    # answers: the `o` request's answer would serve nobody, and the kernel agent may skip computing it.
    stored(store, "dot", "import os\nos.", 13, "fresh", [{"text": "path", "kind": "module"}])
    client = namespaced_client(store, "fresh")
    typed_o = asyncio.ensure_future(client.complete("cell-1", "import os\no", 11))
    await asyncio.sleep(client.options.debounce_ms / 1000 + 0.05)
    assert [r["completionId"] for r in store.requests] == ["dot", "c1"] and client.waits_for("c1")
    typed_o.cancel()  # CodeMirror aborts a query when the person types on
    result = await client.complete("cell-1", "import os\nos.", 13)
    assert [o["label"] for o in result["options"]] == ["path"]
    await asyncio.sleep(0.01)  # the cancelled wait unwinds
    assert not client.waits_for("c1")


async def test_signature_help_is_its_own_operation_and_becomes_the_tooltips_data(store):
    answer_with(store, [{"text": "area(width, height=2)", "kind": "signature", "detail": "height",
                         "documentation": "The area."}])
    help = await make_client(store).signature("cell-1", "area(3, ", 8)
    assert store.requests[-1]["operation"] == "signature" and store.requests[-1]["cellId"] == "cell-1"
    assert help == {"signatures": [{"label": "area(width, height=2)", "activeFrom": 12, "activeTo": 18,
                                    "documentation": "The area."}]}


async def test_a_calls_signature_is_asked_once_at_its_paren_and_serves_every_argument_after(store):
    answer_with(store, [{"text": "area(width, height=2, *, unit='m')", "kind": "signature", "detail": "width"}])
    client = make_client(store)
    call = "x = area("
    first = await client.signature("cell-1", call, len(call), call_start=len(call) - 1)
    second = await client.signature("cell-1", call + "3, ", len(call) + 3, call_start=len(call) - 1)
    third = await client.signature("cell-1", call + "3, 4, unit=", len(call) + 11, call_start=len(call) - 1)
    assert len(store.requests) == 1
    label = "area(width, height=2, *, unit='m')"
    marked = [(h["signatures"][0]["activeFrom"], h["signatures"][0]["activeTo"]) for h in (first, second, third)]
    assert [label[a:b] for a, b in marked] == ["width", "height", "unit"]
    # Another call (the text before its `(` differs) asks again; so does the same after a run.
    await client.signature("cell-1", "y = area(", 9, call_start=8)
    client.namespace_changed()
    await client.signature("cell-1", "y = area(1, ", 12, call_start=8)
    assert len(store.requests) == 3


async def test_an_answer_stored_knowing_the_cells_above_serves_only_while_they_are_unchanged(store):
    from livecomplete.other_cells import named_with
    above = [("cell 1", "def load():\n    return {}\n")]
    stored(store, "kept", "lo", 2, named_with("fresh", above), [{"text": "load", "kind": "function"}])
    ids = (f"c{n}" for n in itertools.count(1))
    cells = {"cell-2": above}
    client = CompletionClient(store, requested_by="page-1", options=FAST, clock=lambda: 1000.0,
                              new_id=lambda: next(ids), namespace=lambda: "fresh", other_cells=lambda c: cells[c])
    answer_with(store, [{"text": "locals", "kind": "function"}])
    result = await client.complete("cell-2", "lo", 2, explicit=True)
    assert [o["label"] for o in result["options"]] == ["load"] and len(store.requests) == 1  # the stored one
    cells["cell-2"] = [("cell 1", "def loader():\n    return {}\n")]  # another cell changed
    result = await client.complete("cell-2", "lo", 2, explicit=True)
    assert [o["label"] for o in result["options"]] == ["locals"] and len(store.requests) == 2


async def test_typing_an_underscore_after_a_dot_asks_again_for_the_names_the_dot_answer_left_out(store):
    answer_with(store, [{"text": "visible", "kind": "variable"}])
    client = make_client(store)
    await client.complete("cell-1", "obj.", 4)
    await client.complete("cell-1", "obj.v", 5)  # narrowed from the dot's answer
    assert len(store.requests) == 1
    await client.complete("cell-1", "obj._", 5)
    assert [r["source"] for r in store.requests] == ["obj.", "obj._"]


async def test_a_call_start_that_is_no_open_paren_before_the_cursor_asks_as_without_one(store):
    answer_with(store, [{"text": "area(width, height=2)", "kind": "signature", "detail": "height"}])
    client = make_client(store)
    for bad in (-5, 3, 8, 99):  # negative, not a `(`, at the cursor, past the text
        help = await client.signature("cell-1", "area(3, ", 8, call_start=bad)
        assert help["signatures"][0]["label"] == "area(width, height=2)"
    assert len(store.requests) == 4  # each asked the kernel; none was kept as a call
