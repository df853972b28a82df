"""Validation of events read from the store: every bad field named, nothing trusted."""

import logging

import pytest

from livecomplete import CompletionRequest, CompletionResponse, InvalidEvent, Options, Suggestion


def request_event(**changes):
    event = {
        "completionId": "c1",
        "cellId": "cell-1",
        "source": "import os\nos.pa",
        "cursorPosition": 15,
        "requestedBy": "page-1",
        "timestamp": 1_700_000_000_000,
    }
    event.update(changes)
    return event


def response_event(**changes):
    event = {
        "completionId": "c1",
        "suggestions": [{"text": "path", "kind": "module"}],
        "status": "success",
        "timestamp": 1_700_000_000_100,
    }
    event.update(changes)
    return event


def test_request_round_trips_field_for_field():
    request = CompletionRequest.from_event(request_event())
    assert request.to_event() == request_event()
    assert request.cursor_position == 15


def test_response_round_trips_and_omits_absent_optionals():
    raw = response_event(suggestions=[
        {"text": "path", "kind": "module"},
        {"text": "join", "kind": "function", "detail": "join(a, *p)", "documentation": "Join.", "insertText": "join("},
    ])
    response = CompletionResponse.from_event(raw)
    assert response.to_event() == raw
    assert response.suggestions[1] == Suggestion("join", "function", "Join.", "join(", "join(a, *p)")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"completionId": 7}, "completionId must be a string, got int"),
        ({"completionId": ""}, "completionId must not be empty"),
        ({"cellId": None}, "cellId must be a string, got NoneType"),
        ({"requestedBy": "x" * 500}, "requestedBy has 500 characters; at most 200"),
        ({"source": ["import os"]}, "source must be a string, got list"),
        ({"cursorPosition": -1}, r"cursorPosition -1 must be a whole UTF-16 offset in 0\.\.15"),
        ({"cursorPosition": 16}, r"cursorPosition 16 must be a whole UTF-16 offset in 0\.\.15"),
        ({"cursorPosition": 2.5}, "must be a whole UTF-16 offset"),
        ({"cursorPosition": "3"}, "cursorPosition must be a finite number, got '3'"),
        ({"cursorPosition": True}, "cursorPosition must be a finite number, got True"),
        ({"cursorPosition": float("nan")}, "cursorPosition must be a finite number"),
        ({"timestamp": -5}, r"timestamp -5 must be milliseconds in 0\.\."),
        ({"timestamp": 2**60}, "timestamp .* must be milliseconds"),
        ({"operation": "hover"}, "operation 'hover' is not one of complete, describe, signature"),
        ({"operation": ["signature"]}, "operation .* is not one of"),
    ],
)
def test_bad_request_fields_are_named(changes, message):
    with pytest.raises(InvalidEvent, match=message):
        CompletionRequest.from_event(request_event(**changes))


def test_request_must_be_an_object():
    with pytest.raises(InvalidEvent, match="v1.CompletionRequested must be an object, got str"):
        CompletionRequest.from_event("hello")


def test_oversized_source_is_rejected():
    big = "x" * 101
    with pytest.raises(InvalidEvent, match="source has 101 characters; at most 100"):
        CompletionRequest.from_event(request_event(source=big, cursorPosition=0), Options(max_source_chars=100))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "done"}, "status 'done' is not one of success, error, timeout"),
        ({"status": None}, "status None is not one of"),
        ({"suggestions": "path"}, "suggestions must be a list, got str"),
        ({"suggestions": None}, "suggestions must be a list, got NoneType"),
        ({"completionId": None}, "completionId must be a string"),
    ],
)
def test_bad_response_fields_are_named(changes, message):
    with pytest.raises(InvalidEvent, match=message):
        CompletionResponse.from_event(response_event(**changes))


def test_bad_suggestions_are_dropped_with_a_warning(caplog):
    raw = response_event(suggestions=[
        {"text": "path", "kind": "module"},
        {"text": "", "kind": "module"},
        {"text": 3, "kind": "module"},
        "not an object",
        {"text": "sep", "kind": "variable", "detail": 12},
        {"text": "name", "kind": "variable"},
    ])
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        response = CompletionResponse.from_event(raw)
    assert [s.text for s in response.suggestions] == ["path", "name"]
    assert len([r for r in caplog.records if "dropped suggestion" in r.message]) == 4


def test_too_many_suggestions_are_cut_with_a_warning(caplog):
    raw = response_event(suggestions=[{"text": f"n{i}", "kind": "variable"} for i in range(20)])
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        response = CompletionResponse.from_event(raw, Options(max_suggestions=5))
    assert [s.text for s in response.suggestions] == ["n0", "n1", "n2", "n3", "n4"]
    assert "keeping the first 5 of 20 suggestions" in caplog.text


def test_a_row_cut_by_the_store_still_warns_with_the_offered_count(caplog):
    raw = response_event(suggestions=[{"text": f"n{i}", "kind": "variable"} for i in range(10)], offered=100_000)
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        response = CompletionResponse.from_event(raw, Options(max_suggestions=5))
    assert len(response.suggestions) == 5
    assert "keeping the first 5 of 100000 suggestions" in caplog.text


def test_long_documentation_is_truncated_not_dropped():
    raw = response_event(suggestions=[{"text": "f", "kind": "function", "documentation": "d" * 50}])
    response = CompletionResponse.from_event(raw, Options(max_documentation_chars=10))
    assert response.suggestions[0].documentation == "d" * 9 + "…"


def test_a_request_row_names_its_operation_and_the_proposals_event_stays_field_for_field():
    request = CompletionRequest.from_event(request_event(operation="signature"))
    assert request.operation == "signature"
    assert request.to_event() == request_event()  # the operation travels in v1.OperationRequested
    assert CompletionRequest.from_event(request_event()).operation == "complete"
