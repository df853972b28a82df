"""The kernel agent: each open request of its own answered exactly once, with the right status."""

import asyncio
import logging

from livecomplete import CompletionRequest, KernelAgent, Options, Suggestion

OPTIONS = Options(kernel_timeout_ms=100, superseded_flush_ms=10)


class FakeKernel:
    def __init__(self, behaviour="ok", unavailable=None):
        self.behaviour = behaviour
        self.unavailable = unavailable
        self.calls = []
        self.operations = []
        self.unresponsive = []
        self.current_namespace = "fresh"
        self.on_complete = lambda: None
        self.wanted_times = 0
        self.other_cells = []

    def wanted(self):
        self.wanted_times += 1

    def state(self):
        if self.unavailable is None:
            return "ready"
        return "starting" if self.unavailable == "kernel starting" else "busy"

    async def started(self):
        while self.state() == "starting":  # the tests end a start by setting `unavailable`
            await asyncio.sleep(0.005)

    def unavailable_because(self):
        return self.unavailable

    def namespace(self):
        return self.current_namespace

    def mark_unresponsive(self, reason):
        self.unresponsive.append(reason)
        self.unavailable = "kernel not responding"

    async def answer(self, operation, source, cursor, other_cells=()):
        self.calls.append((source, cursor))
        self.other_cells.append(other_cells)
        self.operations.append(operation)
        self.on_complete()
        if self.behaviour == "raise":
            raise RuntimeError("jedi exploded")
        if self.behaviour == "hang":
            await asyncio.sleep(10)
        return [Suggestion("path", "module")]


def request(completion_id, requested_by="page-1", **changes):
    fields = dict(completion_id=completion_id, cell_id="cell-1", source="os.", cursor_position=3,
                  requested_by=requested_by, timestamp=1.0)
    fields.update(changes)
    return CompletionRequest(**fields)


async def run_agent(store, kernel, requests):
    agent = KernelAgent(store, kernel, agent_id="page-1", options=OPTIONS, clock=lambda: 5.0)
    agent.start()
    for item in requests:
        store.commit_request(item)
    await agent.drain()
    agent.stop()
    return agent


async def test_answers_each_open_request_once(store):
    kernel = FakeKernel()
    await run_agent(store, kernel, [request("c1"), request("c2", cell_id="cell-2")])
    assert store.answer_counts == {"c1": 1, "c2": 1}
    assert store.responses["c1"] == {
        "completionId": "c1", "suggestions": [{"text": "path", "kind": "module"}],
        "status": "success", "timestamp": 5.0,
    }
    assert kernel.calls == [("os.", 3)]  # the same text and cursor: computed once


async def test_an_identical_request_is_answered_without_jedi_until_the_namespace_changes(store):
    kernel = FakeKernel()
    agent = KernelAgent(store, kernel, agent_id="page-1", options=OPTIONS, clock=lambda: 5.0)
    agent.start()
    store.commit_request(request("c1"))
    await agent.drain()
    store.commit_request(request("c2", cell_id="cell-2"))
    await agent.drain()
    store.commit_request(request("c3", source="os.p", cursor_position=4))
    await agent.drain()
    assert agent.computations == 2 and len(kernel.calls) == 2
    assert store.responses["c2"]["suggestions"] == store.responses["c1"]["suggestions"]
    assert store.responses["c2"]["status"] == "success"
    agent.namespace_changed()  # a cell ran
    store.commit_request(request("c4", cell_id="cell-3"))
    await agent.drain()
    agent.stop()
    assert agent.computations == 3


async def test_with_no_kept_computations_every_request_goes_to_jedi(store):
    kernel = FakeKernel()
    options = Options(kernel_timeout_ms=100, superseded_flush_ms=10, kept_computations=0)
    agent = KernelAgent(store, kernel, agent_id="page-1", options=options, clock=lambda: 5.0)
    agent.start()
    for completion_id in ("c1", "c2"):
        store.commit_request(request(completion_id))
        await agent.drain()
    agent.stop()
    assert agent.computations == 2 and store.answer_counts == {"c1": 1, "c2": 1}


async def test_a_rebase_that_reopens_an_answered_request_does_not_answer_it_again(store):
    """Regression: with two tabs, LiveStore's rebase made one request get five answers."""
    kernel = FakeKernel()
    agent = KernelAgent(store, kernel, agent_id="page-1", options=OPTIONS)
    agent.start()
    store.commit_request(request("c1"))
    await agent.drain()
    store.rebase("c1")
    await agent.drain()
    assert store.answer_counts == {"c1": 1}
    assert len(kernel.calls) == 1


async def test_requests_already_open_when_it_starts_are_answered(store):
    store.commit_request(request("early"))
    await run_agent(store, FakeKernel(), [])
    assert store.answer_counts == {"early": 1}


async def test_leaves_other_pages_requests_alone(store):
    kernel = FakeKernel()
    await run_agent(store, kernel, [request("theirs", requested_by="page-2")])
    assert store.responses == {} and kernel.calls == []


async def test_a_raising_kernel_answers_error(store, caplog):
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        await run_agent(store, FakeKernel("raise"), [request("c1")])
    assert store.responses["c1"]["status"] == "error"
    assert store.responses["c1"]["suggestions"] == []
    assert "completion c1 failed: jedi exploded" in caplog.text


async def test_a_hung_kernel_answers_timeout_with_marked_local_names_and_is_reported(store, caplog):
    kernel = FakeKernel("hang")
    source = "ostrich = 1\nos"
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        await run_agent(store, kernel, [request("c1", source=source, cursor_position=len(source)),
                                        request("c2", cell_id="cell-2")])
    assert store.responses["c1"]["status"] == "timeout"
    assert {"text": "ostrich", "kind": "name", "detail": "name in this cell (kernel not responding)"} in (
        store.responses["c1"]["suggestions"])
    assert "took longer than 100 ms" in caplog.text
    assert kernel.unresponsive == ["a completion did not return within 100 ms"]
    # The next request does not wait for the stuck kernel again.
    assert store.responses["c2"]["status"] == "timeout"
    assert len(kernel.calls) == 1


async def test_a_busy_kernel_is_not_asked_and_local_names_answer_at_once(store):
    kernel = FakeKernel(unavailable="kernel busy running a cell")
    source = "results = []\nres"
    await run_agent(store, kernel, [request("c1", source=source, cursor_position=len(source))])
    response = store.responses["c1"]
    assert response["status"] == "timeout" and kernel.calls == []
    assert response["suggestions"][0] == {"text": "results", "kind": "name",
                                          "detail": "name in this cell (kernel busy running a cell)"}


async def test_a_starting_kernel_is_asked_to_start_now_waited_for_then_computes(store):
    kernel = FakeKernel(unavailable="kernel starting")
    asyncio.get_running_loop().call_later(0.03, setattr, kernel, "unavailable", None)
    await run_agent(store, kernel, [request("c1")])
    assert store.responses["c1"]["status"] == "success" and kernel.calls == [("os.", 3)]
    assert kernel.wanted_times == 1  # a page's kernel held back on a revisit starts now


async def test_a_ready_kernel_is_not_asked_to_start(store):
    kernel = FakeKernel()
    await run_agent(store, kernel, [request("c1")])
    assert kernel.wanted_times == 0 and kernel.calls == [("os.", 3)]


async def test_a_kernel_still_starting_after_the_timeout_gets_local_names(store):
    kernel = FakeKernel(unavailable="kernel starting")  # OPTIONS: kernel_timeout_ms=100
    source = "results = []\nres"
    await run_agent(store, kernel, [request("c1", source=source, cursor_position=len(source))])
    response = store.responses["c1"]
    assert response["status"] == "timeout" and kernel.calls == []
    assert response["suggestions"][0]["detail"] == "name in this cell (kernel starting)"


async def test_a_request_typed_over_while_the_kernel_starts_is_superseded(store):
    kernel = FakeKernel(unavailable="kernel starting")
    agent = KernelAgent(store, kernel, agent_id="page-1", options=OPTIONS, clock=lambda: 5.0)
    agent.start()
    store.commit_request(request("c1", source="os.p", cursor_position=4))
    await asyncio.sleep(0.02)
    store.commit_request(request("c2", source="os.pa", cursor_position=5, timestamp=2.0))
    kernel.unavailable = None
    await agent.drain()
    agent.stop()
    assert store.responses["c1"]["status"] == "timeout" and store.responses["c1"]["suggestions"] == []
    assert store.responses["c2"]["status"] == "success"
    assert kernel.calls == [("os.pa", 5)]


async def test_an_invalid_request_is_skipped_with_a_warning(store, caplog):
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        agent = KernelAgent(store, FakeKernel(), agent_id="page-1", options=OPTIONS)
        agent.start()
        store.commit_raw_request({"completionId": "bad", "requestedBy": "page-1", "cursorPosition": "x"})
        store.commit_request(request("good"))
        await agent.drain()
    assert set(store.responses) == {"good"}
    assert "ignored an invalid request" in caplog.text


async def test_stop_releases_the_subscription(store):
    agent = KernelAgent(store, FakeKernel(), agent_id="page-1")
    agent.start()
    assert store.watcher_count == 1
    agent.stop()
    assert store.watcher_count == 0


async def test_a_burst_from_one_cell_computes_only_the_newest_and_answers_the_rest_at_once(store):
    kernel = FakeKernel()
    burst = [request(f"c{i}", timestamp=float(i)) for i in range(1000)]
    await run_agent(store, kernel, burst)
    assert len(store.answer_counts) == 1000 and set(store.answer_counts.values()) == {1}
    assert store.responses["c999"]["status"] == "success"
    assert {store.responses[f"c{i}"]["status"] for i in range(999)} == {"timeout"}
    assert store.responses["c0"]["suggestions"] == []
    assert len(kernel.calls) == 1
    assert store.commits <= 3  # superseded ones in one transaction, not one each


async def test_each_cell_keeps_its_own_newest_request(store):
    kernel = FakeKernel()
    await run_agent(store, kernel, [
        request("a1", cell_id="a", timestamp=1.0), request("b1", cell_id="b", timestamp=2.0),
        request("a2", cell_id="a", timestamp=3.0),
    ])
    assert {k: v["status"] for k, v in store.responses.items()} == {"a1": "timeout", "b1": "success", "a2": "success"}


async def test_a_request_superseded_while_waiting_for_the_kernel_is_not_computed(store):
    kernel = FakeKernel()
    agent = KernelAgent(store, kernel, agent_id="page-1", options=OPTIONS)
    agent.start()
    store.commit_request(request("old", cell_id="x", timestamp=1.0))
    store.commit_request(request("other", cell_id="y", timestamp=1.5))
    await asyncio.sleep(0)  # "old" and "other" queue for the kernel
    store.commit_request(request("new", cell_id="x", timestamp=2.0))
    await agent.drain()
    assert store.responses["new"]["status"] == "success"
    assert store.responses["old"]["status"] in ("timeout", "success")  # success if it already ran
    assert sum(store.answer_counts.values()) == 3


async def test_a_remote_kernel_serves_everyone_with_one_lane_per_person_and_cell(store):
    kernel, answered = FakeKernel(), []
    agent = KernelAgent(store, kernel, agent_id="kernel-1", serves_everyone=True, options=OPTIONS,
                        clock=lambda: 5.0, on_answered=answered.append)
    agent.start()
    # Two people type in their "cell-1" at once: neither supersedes the other.
    store.commit_request(request("a1", requested_by="page-a", source="os.", timestamp=1.0))
    store.commit_request(request("b1", requested_by="page-b", source="os.", timestamp=2.0))
    store.commit_request(request("a2", requested_by="page-a", source="os.p", cursor_position=4, timestamp=3.0))
    await agent.drain()
    # A third person asks what page-b asked: answered from that computation.
    store.commit_request(request("c1", requested_by="page-c", source="os.", timestamp=4.0))
    await agent.drain()
    agent.stop()
    assert {i: r["status"] for i, r in store.responses.items()} == {
        "a1": "timeout",  # superseded by page-a's newer request, and only by that
        "b1": "success", "a2": "success", "c1": "success",
    }
    how = {a.request.completion_id: a.how for a in answered}
    assert how == {"a1": "superseded", "b1": "computed", "a2": "computed", "c1": "reused"}
    assert agent.computations == 2


async def test_each_answer_says_how_long_it_stayed_with_the_agent(store):
    """`held_ms` runs from the agent seeing a request to committing its answer (`bench sync`
    splits a round trip with it), whether computed or answered as superseded."""
    now = [100.0]
    kernel, answered = FakeKernel(), []

    def clock() -> float:
        now[0] += 10.0  # every reading is 10 ms later
        return now[0]

    agent = KernelAgent(store, kernel, agent_id="kernel-1", serves_everyone=True, options=OPTIONS,
                        clock=clock, on_answered=answered.append)
    agent.start()
    store.commit_request(request("c1", requested_by="page-a", source="os."))
    await agent.drain()
    agent.stop()
    [one] = answered
    assert one.how == "computed"
    assert one.held_ms is not None and one.held_ms >= 20.0  # seen, computed, committed: later readings


async def test_a_stopped_agent_leaves_requests_open_and_answers_them_when_started_again(store):
    kernel = FakeKernel(behaviour="hang")
    agent = KernelAgent(store, kernel, agent_id="page-1", options=Options(kernel_timeout_ms=5000), clock=lambda: 5.0)
    agent.start()
    store.commit_request(request("c1"))
    await asyncio.sleep(0.01)
    agent.stop()  # stands by mid-computation
    await asyncio.sleep(0.01)
    assert "c1" not in store.responses
    kernel.behaviour = "ok"
    agent.start()
    await agent.drain()
    agent.stop()
    assert store.answer_counts == {"c1": 1} and store.responses["c1"]["status"] == "success"


async def test_computed_and_reused_answers_name_the_namespace_they_were_computed_in(store):
    kernel = FakeKernel()
    await run_agent(store, kernel, [request("c1"), request("c2", cell_id="cell-2")])
    assert store.namespaces == {"c1": "fresh", "c2": "fresh"}  # c2: reused from c1's computation
    kernel.current_namespace = "k1:1"
    await run_agent(store, kernel, [request("c3", source="x.", cursor_position=2)])
    assert store.namespaces["c3"] == "k1:1"


async def test_an_answer_whose_namespace_changed_while_computing_names_none(store):
    kernel = FakeKernel()

    def a_cell_runs():
        kernel.current_namespace = "k1:1"

    kernel.on_complete = a_cell_runs
    await run_agent(store, kernel, [request("c1")])
    assert store.responses["c1"]["status"] == "success"
    assert store.namespaces == {}


async def test_local_and_error_answers_name_no_namespace(store):
    await run_agent(store, FakeKernel(unavailable="kernel busy running a cell"), [request("c1")])
    await run_agent(store, FakeKernel("raise"), [request("c2", source="y.", cursor_position=2)])
    assert store.responses["c1"]["status"] == "timeout" and store.responses["c2"]["status"] == "error"
    assert store.namespaces == {}


async def test_a_request_its_asker_no_longer_waits_for_is_answered_without_the_kernel(store):
    kernel = FakeKernel()
    agent = KernelAgent(store, kernel, agent_id="page-1", options=OPTIONS, clock=lambda: 5.0,
                        still_wanted=lambda completion_id: completion_id != "abandoned")
    agent.start()
    store.commit_request(request("abandoned"))
    store.commit_request(request("wanted", cell_id="cell-2", source="import os\nos.", cursor_position=13))
    await agent.drain()
    agent.stop()
    assert kernel.calls == [("import os\nos.", 13)]
    assert store.responses["abandoned"]["status"] == "timeout" and store.responses["abandoned"]["suggestions"] == []
    assert store.responses["wanted"]["status"] == "success"


async def test_each_operation_has_its_own_lane_and_its_own_kept_answers(store):
    """A description or a signature never supersedes the cell's completion, nor is reused for it."""
    kernel = FakeKernel()
    await run_agent(store, kernel, [
        request("c1", timestamp=1.0),
        request("d1", timestamp=2.0, operation="describe"),
        request("s1", timestamp=3.0, operation="signature"),
        request("s2", timestamp=4.0, operation="signature", source="os.", cursor_position=3),
    ])
    assert {i: store.responses[i]["status"] for i in ("c1", "d1", "s1", "s2")} == {
        "c1": "success", "d1": "success", "s1": "timeout", "s2": "success"}  # s1 superseded by s2
    assert kernel.operations == ["complete", "describe", "signature"]  # same text, three computations
