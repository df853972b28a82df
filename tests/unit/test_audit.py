"""Answers the store holds but never uses get one warning each; earlier ones one line in all."""

import logging

from livecomplete import CompletionRequest
from livecomplete.audit import AnswerAudit


def answer(store, completion_id):
    store.commit_raw_response({"completionId": completion_id, "suggestions": [], "status": "success", "timestamp": 1})


def request(store, completion_id):
    store.commit_request(CompletionRequest(completion_id, "cell-1", "x", 1, "page-1", 1.0))


def test_duplicate_and_unrequested_answers_warn_once_each(store, caplog):
    AnswerAudit(store).start()
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        request(store, "c1")
        answer(store, "c1")
        answer(store, "c1")
        answer(store, "ghost")
        request(store, "c2")
        answer(store, "c2")
    lines = [r.message for r in caplog.records]
    assert lines == [
        "completion c1 received 2 answers: the first is used, the others are ignored",
        "ignored an answer for completion ghost: no request in this store asked for it",
    ]


def test_a_third_answer_warns_again_with_its_count(store, caplog):
    AnswerAudit(store).start()
    request(store, "c1")
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        for _ in range(3):
            answer(store, "c1")
    assert [r.message for r in caplog.records][-1] == "completion c1 received 3 answers: the first is used, the others are ignored"


def test_what_the_store_held_before_is_one_line(store, caplog):
    for name in ("a", "b", "c"):
        answer(store, name)
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        AnswerAudit(store).start()
    assert [r.message for r in caplog.records] == ["the completion store holds 3 unused answers from earlier sessions"]


def test_stop_releases_the_subscription(store):
    audit = AnswerAudit(store)
    audit.start()
    audit.stop()
    assert store.watcher_count == 0
