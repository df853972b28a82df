"""The execution agent: each request it serves run once, in order, one at a time, and ended with
outputs and a status; runs whose kernel is gone fail with a message saying so."""

import asyncio
import logging

import pytest

from livecomplete.executor import ExecutionAgent
from livecomplete.notebook import session_namespace

OPEN = ("pending", "assigned", "executing")
ENDED = ("completed", "failed", "cancelled")


class FakeNotebookStore:
    """An `executor.NotebookStore` in memory that behaves like LiveStore in one tab.

    Commits change rows as the materializers of web/src/notebook-schema.js do, and watchers get
    the open runs at once and again, synchronously, inside every commit."""

    def __init__(self) -> None:
        self.cells: dict[str, dict] = {}
        self.queue: dict[str, dict] = {}
        self.outputs: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.terminated: set[str] = set()
        self.commits: list[tuple] = []  # (name, first argument) of each kernel commit, in order
        self._watchers: list = []
        self._next_output = 0

    # -- the page's side
    def add_cell(self, cell_id, source):
        self.cells[cell_id] = {"id": cell_id, "cellType": "code", "source": source, "position": float(len(self.cells)),
                               "executionCount": None, "executionState": "idle", "assignedKernelSession": None}

    def request(self, queue_id, cell_id, count, requested_by="page-1", status="pending", session=None):
        """v1.ExecutionRequested (with the status and session it may have reached meanwhile)."""
        self.queue[queue_id] = {"id": queue_id, "cellId": cell_id, "executionCount": count,
                                "requestedBy": requested_by, "status": status,
                                "assignedKernelSession": session, "priority": 0, "error": None}
        if cell_id in self.cells:
            self.cells[cell_id].update(executionState="queued", executionCount=count)
        self._notify()

    def raw_request(self, row):
        """What a buggy or hostile client could write."""
        self.queue[row["id"]] = dict(row)
        self._notify()

    def status(self, queue_id):
        return self.queue[queue_id]["status"]

    def outputs_of(self, cell_id):
        return [o for o in sorted(self.outputs, key=lambda o: o["position"]) if o["cellId"] == cell_id]

    @property
    def watcher_count(self):
        return len(self._watchers)

    # -- the NotebookStore interface
    def watch_open_runs(self, on_rows):
        self._watchers.append(on_rows)
        on_rows(self._open_rows())

        def unsubscribe():
            self._watchers.remove(on_rows)

        return unsubscribe

    def cell(self, cell_id):
        row = self.cells.get(cell_id)
        return None if row is None else dict(row)

    def terminated_sessions(self):
        return set(self.terminated)

    def commit_session_started(self, session_id, kernel_id):
        self.commits.append(("session_started", session_id))
        self.sessions.setdefault(session_id, {"kernelId": kernel_id, "status": "ready"})
        self._notify()

    def commit_session_terminated(self, session_id, reason):
        self.commits.append(("session_terminated", session_id))
        self.terminated.add(session_id)
        if session_id in self.sessions:
            self.sessions[session_id]["status"] = "terminated"
        self._notify()

    def commit_run_started(self, queue_id, cell_id, session_id):
        self.commits.append(("run_started", queue_id))
        entry = self.queue.get(queue_id)
        if entry is not None and entry["status"] == "pending":  # v1.ExecutionAssigned
            entry.update(status="assigned", assignedKernelSession=session_id)
        if entry is not None and entry["status"] in ("pending", "assigned"):  # v1.ExecutionStarted
            entry.update(status="executing", assignedKernelSession=session_id)
            if entry["cellId"] in self.cells:
                self.cells[entry["cellId"]].update(executionState="running", assignedKernelSession=session_id)
        self.outputs = [o for o in self.outputs if o["cellId"] != cell_id]  # v1.CellOutputsCleared
        self._notify()

    def commit_run_ended(self, queue_id, cell_id, outputs, status, error):
        self.commits.append(("run_ended", queue_id))
        for position, output in enumerate(outputs):  # v1.CellOutputAdded, whatever the run's state
            self._next_output += 1
            self.outputs.append({"id": f"o{self._next_output}", "cellId": cell_id, "outputType": output["outputType"],
                                 "data": output["data"], "position": float(position)})
        entry = self.queue.get(queue_id)
        if entry is not None and entry["status"] not in ENDED:  # v1.ExecutionCompleted
            entry.update(status={"success": "completed", "error": "failed", "cancelled": "cancelled"}[status],
                         error=error)
            if entry["cellId"] in self.cells:
                self.cells[entry["cellId"]]["executionState"] = {
                    "success": "completed", "error": "error", "cancelled": "idle"}[status]
        self._notify()

    def _open_rows(self):
        return [
            {key: row.get(key) for key in ("id", "cellId", "executionCount", "requestedBy", "status",
                                            "assignedKernelSession")}
            for row in self.queue.values() if row.get("status") in OPEN
        ]

    def _notify(self):
        for on_rows in list(self._watchers):
            on_rows(self._open_rows())


class FakeRunner:
    """An `executor.Runner`: records the code it runs and how many runs overlap."""

    def __init__(self, session="s1", results=None, raises=None, gate=None):
        self.current_session = session
        self.results = results or {}  # code -> result; default: stdout of "ran <code>"
        self.raises = raises
        self.gate = gate  # an asyncio.Event each run waits for, when set
        self.calls: list[str] = []
        self.active = self.most_active = 0
        self.on_run = None  # called with the code as a run starts

    def session(self):
        return self.current_session

    def restart(self, session):
        self.current_session = session

    async def run(self, code):
        self.calls.append(code)
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            if self.on_run is not None:
                self.on_run(code)
            if self.gate is not None:
                await self.gate.wait()
            else:
                await asyncio.sleep(0.001)
            if self.raises is not None:
                raise self.raises
            return self.results.get(code, {"stdout": f"ran {code}\n", "stderr": "", "value": None, "error": None})
        finally:
            self.active -= 1


async def until(condition, timeout=1.0):
    """Wait until `condition()` holds (the test fails when it does not within `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.001)


async def settle():
    """Let the agent do whatever it would do now."""
    for _ in range(20):
        await asyncio.sleep(0)


def make_agent(store, runner, requested_by="page-1", **options):
    agent = ExecutionAgent(store, runner, kernel_id="k-test", requested_by=requested_by, **options)
    agent.start()
    return agent


async def finish(agent):
    agent.stop()
    await settle()  # its loop sees the stop and returns


@pytest.fixture
def nb():
    return FakeNotebookStore()


def texts(outputs):
    return [o["data"].get("text") or o["data"].get("text/plain") or "\n".join(o["data"].get("traceback", []))
            for o in outputs]


# -- running in order ------------------------------------------------------------------------------


async def test_runs_its_requests_in_execution_count_order_one_at_a_time_even_when_they_arrive_out_of_order(nb):
    for name in ("c1", "c2", "c3"):
        nb.add_cell(name, f"{name} = 1")
    runner = FakeRunner()
    agent = make_agent(nb, runner)
    nb.request("q3", "c3", 3)
    nb.request("q1", "c1", 1)
    nb.request("q2", "c2", 2)
    await until(lambda: all(nb.status(q) in ENDED for q in ("q1", "q2", "q3")))
    await finish(agent)
    assert runner.calls == ["c1 = 1", "c2 = 1", "c3 = 1"]
    assert runner.most_active == 1
    assert [nb.status(q) for q in ("q1", "q2", "q3")] == ["completed"] * 3
    assert nb.outputs_of("c2") == [{"id": nb.outputs_of("c2")[0]["id"], "cellId": "c2", "outputType": "stream",
                                    "data": {"name": "stdout", "text": "ran c2 = 1\n"}, "position": 0.0}]
    assert nb.cells["c2"]["executionState"] == "completed"


async def test_requests_arriving_while_one_runs_wait_and_then_run_in_order(nb):
    for name in ("c1", "c2", "c3"):
        nb.add_cell(name, name)
    gate = asyncio.Event()
    runner = FakeRunner(gate=gate)
    agent = make_agent(nb, runner)
    nb.request("q1", "c1", 1)
    await until(lambda: runner.active == 1)
    nb.request("q3", "c3", 3)
    nb.request("q2", "c2", 2)
    await settle()
    assert runner.calls == ["c1"] and nb.status("q2") == nb.status("q3") == "pending"
    gate.set()
    await until(lambda: nb.status("q3") in ENDED)
    await finish(agent)
    assert runner.calls == ["c1", "c2", "c3"] and runner.most_active == 1


async def test_a_run_whose_result_has_an_error_ends_failed_with_its_outputs(nb):
    nb.add_cell("c1", "1/0")
    traceback = "Traceback (most recent call last):\n  File \"<cell 1>\", line 1\nZeroDivisionError: division by zero"
    runner = FakeRunner(results={"1/0": {"stdout": "before\n", "stderr": "", "value": None, "error": traceback}})
    ended = []
    agent = make_agent(nb, runner, on_ended=lambda entry, status: ended.append((entry.id, status)))
    nb.request("q1", "c1", 1)
    await until(lambda: nb.status("q1") in ENDED)
    await finish(agent)
    assert nb.status("q1") == "failed" and nb.cells["c1"]["executionState"] == "error"
    outputs = nb.outputs_of("c1")
    assert [o["outputType"] for o in outputs] == ["stream", "error"]
    assert outputs[1]["data"]["ename"] == "ZeroDivisionError" and outputs[1]["data"]["evalue"] == "division by zero"
    assert ended == [("q1", "error")]


async def test_a_successful_run_reports_success_to_on_ended_and_commits_start_before_end(nb):
    nb.add_cell("c1", "2 + 2")
    runner = FakeRunner(results={"2 + 2": {"stdout": "", "stderr": "", "value": "4", "error": None}})
    ended = []
    agent = make_agent(nb, runner, on_ended=lambda entry, status: ended.append((entry.id, status)))
    nb.request("q1", "c1", 1)
    await until(lambda: nb.status("q1") in ENDED)
    await finish(agent)
    assert nb.status("q1") == "completed" and nb.queue["q1"]["error"] is None
    assert [o["data"] for o in nb.outputs_of("c1")] == [{"text/plain": "4"}]
    assert [c for c in nb.commits if c[0].startswith("run_")] == [("run_started", "q1"), ("run_ended", "q1")]
    assert ended == [("q1", "success")]


async def test_a_rerun_replaces_the_cells_outputs(nb):
    nb.add_cell("c1", "print")
    runner = FakeRunner()
    agent = make_agent(nb, runner)
    nb.request("q1", "c1", 1)
    await until(lambda: nb.status("q1") in ENDED)
    nb.request("q2", "c1", 2)
    await until(lambda: nb.status("q2") in ENDED)
    await finish(agent)
    assert texts(nb.outputs_of("c1")) == ["ran print\n"]


# -- whose requests ------------------------------------------------------------------------------


async def test_a_page_agent_ignores_the_requests_of_another_page(nb):
    nb.add_cell("c1", "mine")
    nb.add_cell("c2", "theirs")
    runner = FakeRunner()
    agent = make_agent(nb, runner, requested_by="page-1")
    nb.request("q-theirs", "c2", 1, requested_by="page-2")
    nb.request("q-mine", "c1", 2, requested_by="page-1")
    await until(lambda: nb.status("q-mine") in ENDED)
    await settle()
    await finish(agent)
    assert runner.calls == ["mine"]
    assert nb.status("q-theirs") == "pending" and nb.outputs_of("c2") == []


async def test_an_agent_serving_everyone_runs_every_pages_requests(nb):
    nb.add_cell("c1", "one")
    nb.add_cell("c2", "two")
    runner = FakeRunner()
    agent = make_agent(nb, runner, requested_by=None)
    nb.request("q2", "c2", 2, requested_by="page-2")
    nb.request("q1", "c1", 1, requested_by="page-1")
    await until(lambda: nb.status("q1") in ENDED and nb.status("q2") in ENDED)
    await finish(agent)
    assert runner.calls == ["one", "two"]
    assert nb.status("q1") == nb.status("q2") == "completed"


# -- runs that cannot happen ---------------------------------------------------------------------


async def test_a_request_for_a_deleted_cell_fails_with_an_error_output_and_runs_nothing(nb):
    runner = FakeRunner()
    agent = make_agent(nb, runner)
    nb.request("q1", "gone", 1)
    await until(lambda: nb.status("q1") in ENDED)
    await finish(agent)
    assert nb.status("q1") == "failed" and "deleted" in nb.queue["q1"]["error"]
    (output,) = nb.outputs_of("gone")
    assert output["outputType"] == "error" and "deleted" in texts([output])[0]
    assert runner.calls == []


async def test_a_runner_that_raises_fails_the_run_with_the_exception_text(nb):
    nb.add_cell("c1", "x")
    nb.add_cell("c2", "y")
    runner = FakeRunner(raises=RuntimeError("the worker crashed"))
    agent = make_agent(nb, runner)
    nb.request("q1", "c1", 1)
    nb.request("q2", "c2", 2)
    await until(lambda: nb.status("q2") in ENDED)
    await finish(agent)
    assert nb.status("q1") == nb.status("q2") == "failed"  # the next run is still tried
    (output,) = nb.outputs_of("c1")
    assert output["outputType"] == "error" and "the worker crashed" in texts([output])[0]
    assert "the worker crashed" in nb.queue["q1"]["error"]
    assert agent.namespace() == "fresh"  # nothing ran to the end


async def test_an_invalid_request_is_skipped_with_a_warning_and_valid_ones_still_run(nb, caplog):
    nb.add_cell("c1", "ok")
    runner = FakeRunner()
    with caplog.at_level(logging.WARNING, logger="livecomplete"):
        agent = make_agent(nb, runner)
        nb.raw_request({"id": "q-bad-count-executor", "cellId": "c1", "executionCount": "x",
                        "requestedBy": "page-1", "status": "pending", "assignedKernelSession": None})
        nb.raw_request({"id": "q-bad-status-executor", "cellId": "c1", "executionCount": 1,
                        "requestedBy": "page-1", "status": "running", "assignedKernelSession": "s-x"})
        nb.request("q-good", "c1", 2)
        await until(lambda: nb.status("q-good") in ENDED)
        await finish(agent)
    assert runner.calls == ["ok"] and nb.status("q-good") == "completed"
    assert nb.status("q-bad-count-executor") == "pending"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("q-bad-count-executor" in w and "executionCount" in w for w in warnings)
    assert sum("q-bad-count-executor" in w for w in warnings) == 1  # once, though delivered on every commit


# -- sessions and namespaces -----------------------------------------------------------------------


async def test_the_session_is_announced_once_before_its_first_run(nb):
    nb.add_cell("c1", "a")
    runner = FakeRunner()
    agent = make_agent(nb, runner)
    nb.request("q1", "c1", 1)
    nb.request("q2", "c1", 2)
    await until(lambda: nb.status("q2") in ENDED)
    assert nb.commits[0] == ("session_started", "s1")
    assert nb.commits.count(("session_started", "s1")) == 1
    assert nb.sessions["s1"]["kernelId"] == "k-test"

    runner.restart("s2")  # a new session: announced before its first run
    nb.request("q3", "c1", 3)
    await until(lambda: nb.status("q3") in ENDED)
    await finish(agent)
    assert nb.commits.index(("session_started", "s2")) < nb.commits.index(("run_started", "q3"))
    assert [c for c in nb.commits if c[0] == "session_started"] == [("session_started", "s1"), ("session_started", "s2")]


async def test_announce_says_the_session_started_before_any_run_and_only_once(nb):
    runner = FakeRunner()
    agent = ExecutionAgent(nb, runner, kernel_id="k-test", requested_by=None)
    agent.announce()
    agent.announce()
    assert nb.commits == [("session_started", "s1")]
    agent.start()
    nb.add_cell("c1", "a")
    nb.request("q1", "c1", 1)
    await until(lambda: nb.status("q1") in ENDED)
    await finish(agent)
    assert nb.commits.count(("session_started", "s1")) == 1


async def test_the_namespace_is_fresh_before_any_run_and_new_after_each_run(nb):
    nb.add_cell("c1", "a")
    runner = FakeRunner()
    agent = make_agent(nb, runner)
    names = [agent.namespace()]
    for count in (1, 2):
        nb.request(f"q{count}", "c1", count)
        await until(lambda: nb.status(f"q{count}") in ENDED)
        names.append(agent.namespace())
    await finish(agent)
    assert names[0] == "fresh"
    assert len(set(names)) == 3
    assert names[1:] == [session_namespace("s1", 1), session_namespace("s1", 2)]


async def test_a_restarted_kernel_has_a_fresh_namespace_again(nb):
    nb.add_cell("c1", "a")
    runner = FakeRunner()
    agent = make_agent(nb, runner)
    nb.request("q1", "c1", 1)
    await until(lambda: nb.status("q1") in ENDED)
    assert agent.namespace() != "fresh"
    runner.restart("s2")
    assert agent.namespace() == "fresh"
    await finish(agent)


# -- runs whose kernel is gone ---------------------------------------------------------------------


async def test_a_page_fails_its_own_run_left_executing_by_another_session(nb):
    nb.add_cell("c1", "slow()")
    nb.request("q-old", "c1", 1, status="executing", session="s-before-restart")
    runner = FakeRunner(session="s-now")
    agent = make_agent(nb, runner, requested_by="page-1")
    await until(lambda: nb.status("q-old") in ENDED)
    await finish(agent)
    assert nb.status("q-old") == "failed"
    (output,) = nb.outputs_of("c1")
    text = texts([output])[0]
    assert output["outputType"] == "error" and output["data"]["ename"] == "KernelStopped"
    assert "s-before-restart" in text and "stopped" in text and "namespace was reset" in text
    assert "stopped" in nb.queue["q-old"]["error"]
    assert runner.calls == []


async def test_a_page_leaves_alone_a_run_executing_under_its_own_current_session(nb):
    nb.add_cell("c1", "slow()")
    nb.request("q-mine", "c1", 1, status="executing", session="s1")
    runner = FakeRunner(session="s1")
    agent = make_agent(nb, runner, requested_by="page-1")
    await settle()
    await finish(agent)
    assert nb.status("q-mine") == "executing" and nb.outputs == []
    assert not any(c[0] == "run_ended" for c in nb.commits)


async def test_a_page_leaves_alone_another_pages_run_of_another_session(nb):
    nb.add_cell("c1", "slow()")
    nb.request("q-theirs", "c1", 1, requested_by="page-2", status="executing", session="s-other")
    agent = make_agent(nb, FakeRunner(), requested_by="page-1")
    await settle()
    await finish(agent)
    assert nb.status("q-theirs") == "executing" and nb.outputs == []


async def test_an_agent_serving_everyone_fails_only_runs_of_sessions_that_said_they_terminated(nb):
    nb.add_cell("c1", "a")
    nb.add_cell("c2", "b")
    nb.terminated.add("s-dead")
    nb.request("q-dead", "c1", 1, requested_by="page-1", status="executing", session="s-dead")
    nb.request("q-alive", "c2", 2, requested_by="page-2", status="assigned", session="s-alive")
    runner = FakeRunner(session="s-remote")
    agent = make_agent(nb, runner, requested_by=None)
    await until(lambda: nb.status("q-dead") in ENDED)
    await settle()
    assert nb.status("q-dead") == "failed" and nb.status("q-alive") == "assigned"
    assert nb.outputs_of("c2") == []

    nb.commit_session_terminated("s-alive", "timeout")  # only once it says so
    nb.request("q-next", "c1", 3)  # a queue change: LiveStore's open-runs query fires again on one
    await until(lambda: nb.status("q-alive") in ENDED)
    await finish(agent)
    assert nb.status("q-alive") == "failed"
    assert "namespace was reset" in texts(nb.outputs_of("c2"))[0]


# -- stopping and leaving --------------------------------------------------------------------------


async def test_stop_lets_the_run_under_way_end_and_runs_nothing_after(nb):
    nb.add_cell("c1", "first")
    nb.add_cell("c2", "second")
    gate = asyncio.Event()
    runner = FakeRunner(gate=gate)
    agent = make_agent(nb, runner)
    nb.request("q1", "c1", 1)
    nb.request("q2", "c2", 2)
    await until(lambda: runner.active == 1)
    agent.stop()
    assert not agent.running and nb.watcher_count == 0
    gate.set()
    await until(lambda: nb.status("q1") in ENDED)
    await settle()
    assert nb.status("q1") == "completed" and texts(nb.outputs_of("c1")) == ["ran first\n"]
    assert nb.status("q2") == "pending" and runner.calls == ["first"]


async def test_stop_and_start_again_during_a_run_still_runs_one_at_a_time(nb):
    # The hand-over does this when a remote kernel announces itself and leaves during a long run.
    nb.add_cell("c1", "long")
    nb.add_cell("c2", "next")
    nb.add_cell("c3", "last")
    gate = asyncio.Event()
    runner = FakeRunner(gate=gate)
    agent = make_agent(nb, runner)
    nb.request("q1", "c1", 1)
    await until(lambda: runner.active == 1)
    agent.stop()
    agent.start()
    nb.request("q2", "c2", 2)
    nb.request("q3", "c3", 3)
    await settle()
    gate.set()
    await until(lambda: all(nb.status(q) in ENDED for q in ("q1", "q2", "q3")))
    await finish(agent)
    assert runner.most_active == 1
