"""A remote kernel and a cache shared between people, through the real sync backend.

wrangler runs LiveStore's sync-cf on a loopback port for these tests; each test starts its own
remote kernel (Pyodide under Node) and opens pages in separate browser contexts (separate OPFS:
separate people), which reach each other only through the backend.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
import uuid

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError, expect

import build
from notebook_page import COUNT_COMMITS, NotebookPage
from sync_services import RemoteKernelProcess


@pytest.fixture
def kernels(sync_backend, notebook_id):
    """Start remote kernels for the test's notebook; all are stopped afterwards. The lease is
    long unless a test is about it: with two pages and their kernels starting on 2 cores, a
    page's sync can lag past the command's default 6 s, and the page's own kernel then answers,
    as designed, which is not what those tests check."""
    started = []

    def start(kernel_id=None, lease_ms=30_000, idle_after_ms=None):
        process = RemoteKernelProcess(
            notebook_id, sync_backend.url, kernel_id or f"kernel-{uuid.uuid4().hex[:6]}", lease_ms,
            token=sync_backend.token(notebook_id, "kernel"), idle_after_ms=idle_after_ms)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop(signal.SIGKILL)
        # Shown with a failing test's captured output: what the kernel did.
        others = [line for line in process.lines if " info: answered " not in line]
        print(f"--- {process.kernel_id}, all but its answers:", *others[-30:], sep="\n")
        print(f"--- {process.kernel_id}, last lines:", *process.lines[-10:], sep="\n")


@pytest.fixture
def person(browser, base_url, notebook_id, sync_backend):
    """Open the notebook, synced, as a new person: a browser context of their own."""
    pages = []

    def open_as_new_person(options=None, role="kernel"):
        # A kernel token by default: these tests are about a remote kernel and the pages' own
        # kernels handing over (test_access.py is about the roles).
        context = browser.new_context()
        notebook = NotebookPage(context.new_page(), base_url)
        notebook.open(notebook_id, options, sync=sync_backend.url, token=sync_backend.token(notebook_id, role))
        notebook.page.evaluate(COUNT_COMMITS)
        pages.append((context, notebook))
        return notebook

    yield open_as_new_person
    for number, (context, notebook) in enumerate(pages):
        kinds = {re.sub(r"[0-9a-f]{32}|\d+", "#", w): w for w in notebook.warnings}  # one of each kind
        print(f"--- person {number}'s console warnings, one of each kind:", *kinds.values(), sep="\n")
        notebook.assert_no_errors()
        context.close()


def wait_for_remote_kernel(notebook, kernel_id):
    expect(notebook.page.locator("#remote-kernel")).to_have_attribute("data-kernel-id", kernel_id, timeout=30_000)


def complete_os_path(notebook):
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")
    notebook.page.keyboard.press("Escape")


def settle(notebook, kernel):
    """Wait until every request of the page is answered and the kernel has logged each one."""
    try:
        notebook.wait_until_all_answered()
    except PlaywrightTimeoutError:
        # Say what was left open, and where the page's sync stood.
        seen = notebook.page.evaluate("""async () => {
          const lc = window.livecomplete
          const states = await lc.store._dev.syncStates().catch((e) => String(e))
          const brief = (s) => typeof s === 'string' ? s : { pending: s.pending.length, upstream: s.upstreamHead, local: s.localHead }
          return { remoteKernel: lc.remoteKernel, syncConnected: lc.syncConnected, persisted: lc.persisted,
            open: lc.debug.storedEvents().requests.filter((r) => !r.answered).map((r) => r.id),
            session: brief(states.session ?? states), leader: brief(states.leader ?? states) } }""")
        logged = {a["id"] for a in kernel.answers()}
        raise AssertionError(
            f"requests left unanswered: {seen}\nof them answered in the kernel's log: "
            f"{[i for i in seen['open'] if i in logged]}\nkernel's last lines:\n" + "\n".join(kernel.lines[-15:])
        ) from None
    ids = {r["id"] for r in notebook.stored_events()["requests"] if r["requestedBy"] == notebook.client_id()}
    for completion_id in ids - {a["id"] for a in kernel.answers()}:
        try:
            kernel.wait_for_line(f"answered {completion_id} ", timeout_s=30)
        except AssertionError as error:
            # Answered, but not by the remote kernel: say what the page saw (did its own agent
            # take over, was it connected, which answers did its own kernel compute).
            seen = notebook.page.evaluate("""() => ({
              remoteKernel: window.livecomplete.remoteKernel, syncConnected: window.livecomplete.syncConnected,
              computedHere: window.livecomplete.debug.timings().filter((t) => 'kernelMs' in t).map((t) => t.completionId),
              answers: window.livecomplete.debug.storedEvents().responses.map((r) => [r.id, r.status]) })""")
            raise AssertionError(f"{error}\nthe page saw: {seen}") from None


def two_people_served_by(kernel, person, options=None):
    """(kernel, alice, bob): two people on the notebook, each page seeing `kernel` serve it."""
    alice, bob = person(options), person(options)
    for notebook in (alice, bob):
        wait_for_remote_kernel(notebook, kernel.kernel_id)
    return kernel, alice, bob


def answers_by_page(notebook):
    return notebook.page.evaluate("window.answersCommitted")


def test_a_remote_kernel_answers_through_the_backend_and_listens_on_nothing(kernels, person):
    kernel = kernels("kernel-a")
    sockets = kernel.sockets()
    assert sockets["listening"] == []
    assert sockets["connected"], "the kernel should hold its outbound connection to the backend"

    alice = person()
    expect(alice.page.locator("#sync-url")).to_have_attribute("data-connected", "true")
    wait_for_remote_kernel(alice, "kernel-a")
    expect(alice.page.locator("#remote-kernel")).to_have_text("Completions by remote kernel kernel-a")
    complete_os_path(alice)
    settle(alice, kernel)

    # Every request of the page was answered by the remote kernel, once, and by nobody else.
    requests = [r for r in alice.stored_events()["requests"] if r["requestedBy"] == alice.client_id()]
    logged = {a["id"]: a for a in kernel.answers()}
    assert requests and all(r["id"] in logged for r in requests), kernel.lines[-20:]
    assert all(logged[r["id"]]["requestedBy"] == alice.client_id() for r in requests)
    assert answers_by_page(alice) == {}  # the page's own kernel stood by
    assert {r["answers"] for r in alice.stored_events()["responses"]} == {1}
    assert kernel.sockets()["listening"] == []


def test_two_people_share_one_cache_an_identical_request_costs_no_computation(kernels, person):
    kernel = kernels("kernel-shared")
    # The kernel's own cache: the pages' answers from the store would spare Bob the requests.
    asking = {"reuseStoredAnswers": 0}
    alice, bob = person(asking), person(asking)
    for notebook in (alice, bob):
        wait_for_remote_kernel(notebook, "kernel-shared")

    complete_os_path(alice)
    settle(alice, kernel)
    after_alice = kernel.computations()
    assert after_alice >= 1
    complete_os_path(bob)  # the same keys in the same cell
    settle(bob, kernel)

    # The same keys make the same requests, except a debounced one that the keys' timing may or
    # may not leave for the kernel (Alice's `o` superseded by her dot before it was computed, Bob's
    # computed): whatever was computed for Alice is reused for Bob, and only the rest costs.
    how = {a["id"]: a["how"] for a in kernel.answers()}
    requests = bob.stored_events()["requests"]  # everyone's, synced
    def asked_by(notebook):
        return {(r["cellId"], r["source"], r["cursorPosition"]): how.get(r["id"])
                for r in requests if r["requestedBy"] == notebook.client_id()}
    alices, bobs = asked_by(alice), asked_by(bob)
    cell = bob.cell(1).get_attribute("data-cell-id")  # one notebook: the same cell for both
    assert bobs.get((cell, "import os\nos.", len("import os\nos."))) == "reused", bobs
    computed_again = [asked for asked, h in alices.items() if h == "computed" and bobs.get(asked) == "computed"]
    assert not computed_again, (alices, bobs)
    assert kernel.computations() == after_alice + list(bobs.values()).count("computed")
    assert answers_by_page(alice) == {} and answers_by_page(bob) == {}


def test_a_person_gets_what_another_already_asked_from_the_store_without_a_request(kernels, person):
    kernel, alice, bob = two_people_served_by(kernels("kernel-stored"), person)
    complete_os_path(alice)
    settle(alice, kernel)
    # Alice's answer at the dot, computed by the remote kernel (a fresh namespace), reaches Bob.
    dot = "import os\nos."
    bob.page.wait_for_function(
        """(source) => { const { requests, responses } = window.livecomplete.debug.storedEvents()
             const asked = new Set(requests.filter((r) => r.source === source).map((r) => r.id))
             return responses.some((s) => asked.has(s.id) && s.status === 'success') }""",
        arg=dot, polling=100, timeout=30_000)

    complete_os_path(bob)
    assert not [r for r in bob.stored_events()["requests"]
                if r["requestedBy"] == bob.client_id() and r["source"] == dot]
    assert answers_by_page(bob) == {}


def test_when_the_remote_kernel_dies_the_pages_kernel_takes_over(kernels, person):
    kernel = kernels("kernel-mortal", lease_ms=3000)
    alice = person()
    wait_for_remote_kernel(alice, "kernel-mortal")

    kernel.stop(signal.SIGKILL)  # no goodbye: its lease has to run out
    # Asked at once, while the page still believes in the dead kernel: answered once it knows.
    complete_os_path(alice)
    expect(alice.page.locator("#remote-kernel")).to_be_hidden()
    # Nothing left hanging: every request is answered, once, by the page's own kernel.
    alice.wait_until_all_answered()
    mine = answers_by_page(alice)
    requests = [r["id"] for r in alice.stored_events()["requests"]]
    assert requests and set(mine) == set(requests) and set(mine.values()) == {1}


def test_a_kernel_that_stops_says_so_and_the_page_takes_over_at_once(kernels, person):
    kernel = kernels("kernel-polite", lease_ms=60_000)
    alice = person()
    wait_for_remote_kernel(alice, "kernel-polite")
    kernel.stop(signal.SIGTERM)
    kernel.wait_for_line("leaving")
    # Well before the 60 s lease would run out.
    expect(alice.page.locator("#remote-kernel")).to_be_hidden(timeout=15_000)
    complete_os_path(alice)
    assert answers_by_page(alice)


def test_after_the_backend_restarts_everyone_reconnects_and_nothing_is_lost_or_doubled(
    kernels, person, sync_backend
):
    # A lease longer than the outage: the page keeps standing by for its remote kernel.
    kernel = kernels("kernel-survivor", lease_ms=60_000)
    alice = person()
    wait_for_remote_kernel(alice, "kernel-survivor")
    complete_os_path(alice)
    before = len(alice.stored_events()["requests"])

    sync_backend.stop()
    expect(alice.page.locator("#sync-url")).to_have_attribute("data-connected", "false", timeout=30_000)
    kernel.wait_for_line("not connected to .*: retrying", timeout_s=30)
    # Typing while the backend is down: after responseTimeoutMs the page completes locally (the
    # cell's own names, marked), and its store keeps saving locally: no storage alarm.
    alice.set_cell(0, "import json\njson.dumps({})\n")
    alice.type(0, "json.du")
    option = alice.wait_for_option("dumps", timeout_ms=30_000)
    expect(option.locator(".cm-completionDetail")).to_have_text("attribute used in this cell (no kernel)")
    alice.page.keyboard.press("Escape")
    assert alice.page.locator("#storage-problem").count() == 0
    sync_backend.start()
    expect(alice.page.locator("#sync-url")).to_have_attribute("data-connected", "true", timeout=60_000)
    # The request made during the outage is answered once the kernel is back (late, which also
    # ends the page's back-off from asking).
    alice.wait_until_all_answered(60_000)

    alice.set_cell(2, "import sys\n")
    alice.type(2, "sys.pa")
    alice.wait_for_option("path", timeout_ms=60_000)
    alice.page.keyboard.press("Escape")
    settle(alice, kernel)
    stored = alice.stored_events()
    assert len(stored["requests"]) > before
    logged = [a["id"] for a in kernel.answers()]
    # Each request once in the store, answered once, by the remote kernel (which logged it once).
    assert len({r["id"] for r in stored["requests"]}) == len(stored["requests"])
    assert {r["answers"] for r in stored["responses"]} == {1}
    assert len(logged) == len(set(logged))
    assert {r["id"] for r in stored["requests"]} <= set(logged)
    assert answers_by_page(alice) == {}


def test_the_kernel_command_refuses_bad_arguments_clearly():
    command = build.remote_kernel_command("bad id", "http://example.com", "--idle-after-ms", "10")
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--notebook <id> is required" in result.stderr
    assert "--sync <ws:// or wss:// URL> is required" in result.stderr
    assert "--idle-after-ms must be at least 1000" in result.stderr


# -- the notebook's main store through the backend: runs by the remote kernel ---------------------


def run_and_wait(notebook, index, code):
    notebook.set_cell(index, code)
    notebook.run_cell(index)


def define_and_complete_zebra(alice):
    """Alice runs `zebra_count = 3`, then completes `zebra_` (in another cell) to it."""
    run_and_wait(alice, 0, "zebra_count = 3")
    alice.set_cell(2, "")
    alice.type(2, "zebra_")
    alice.wait_for_option("zebra_count")
    alice.page.keyboard.press("Escape")


def test_alice_runs_a_cell_bob_sees_its_output_and_completes_its_names_from_the_remote_kernel(kernels, person):
    kernel, alice, bob = two_people_served_by(kernels("kernel-runner"), person)
    # One notebook: Bob sees Alice's cell, its run and its output.
    run_and_wait(alice, 1, 'data = {"alpha": 1}\nprint("defined")\ndata')
    expect(bob.cell(1).locator(".cm-content")).to_have_text('data = {"alpha": 1}print("defined")data')
    expect(bob.cell(1).locator(".output .value")).to_have_text("{'alpha': 1}", timeout=30_000)
    expect(bob.cell(1).locator(".output .stdout")).to_have_text("defined\n")
    ran = kernel.wait_for_line(r"ran (\S+) \(cell \S+, asked by (\S+)\): success")
    assert ran[2] == alice.client_id()

    # Bob completes a name only that run defined: the remote kernel computes it.
    bob.set_cell(2, "")
    bob.type(2, "data.")
    bob.wait_for_option("keys")
    bob.page.keyboard.press("Escape")

    # Alice writes a function above and does not run it: the remote kernel reads it from the
    # notebook's store and Bob's completion knows it, with where it comes from.
    alice.set_cell(0, "def helper_rows():\n    return [1]\n")
    expect(bob.cell(0).locator(".cm-content")).to_have_text("def helper_rows():    return [1]", timeout=30_000)
    bob.set_cell(2, "")
    bob.type(2, "helper_r")
    expect(bob.wait_for_option("helper_rows").locator(".cm-completionDetail")).to_have_text("cell 1, not run")
    bob.page.keyboard.press("Escape")
    settle(bob, kernel)
    asked = [r["id"] for r in bob.stored_events()["requests"] if r["requestedBy"] == bob.client_id()]
    assert asked and set(asked) <= {a["id"] for a in kernel.answers()}
    assert answers_by_page(alice) == {} and answers_by_page(bob) == {}  # the pages' kernels stood by
    assert kernel.sockets()["listening"] == []


def test_an_answer_after_runs_is_reused_by_another_person_in_the_same_namespace(kernels, person):
    kernel, alice, bob = two_people_served_by(kernels("kernel-namespace"), person)
    define_and_complete_zebra(alice)
    settle(alice, kernel)
    computed = kernel.computations()

    # Bob's page names the remote kernel's namespace from the main store (its session, one run
    # ended): Alice's answer is his, from the store, with no request and no computation.
    bob.page.wait_for_function("""() => window.livecomplete.debug.storedEvents().responses.some((s) => s.status === 'success'
        && s.suggestions.some((o) => o.text === 'zebra_count'))""", timeout=30_000)
    bob.set_cell(2, "")
    bob.type(2, "zebra_")
    bob.wait_for_option("zebra_count")
    # The word's request is made where it starts ("z"), and its keys narrow that answer.
    assert not [r for r in bob.stored_events()["requests"]
                if r["requestedBy"] == bob.client_id() and r["source"] and "zebra_".startswith(r["source"])]
    assert kernel.computations() == computed


def test_a_page_kernel_never_reuses_an_answer_from_another_persons_namespace(person):
    """No remote kernel: each page's own kernel runs its person's cells. Alice's kernel ran a
    cell Bob's never did, so her answer (computed in her namespace) must not reach Bob."""
    alice, bob = person(), person()
    define_and_complete_zebra(alice)
    alice.wait_until_all_answered()
    bob.page.wait_for_function("""() => window.livecomplete.debug.storedEvents().responses.some((s) => s.status === 'success'
        && s.suggestions.some((o) => o.text === 'zebra_count'))""", timeout=30_000)

    # In a cell of his own: Alice's typing in cell 2 may still be arriving (last writer wins).
    bob.set_cell(1, "")
    bob.type(1, "zebra_")
    # Bob asks his own kernel, which never ran Alice's cell: it has no live zebra_count.
    try:
        bob.page.wait_for_function("""(me) => { const { requests, responses } = window.livecomplete.debug.storedEvents()
            const mine = new Set(requests.filter((r) => r.requestedBy === me && r.source && 'zebra_'.startsWith(r.source)).map((r) => r.id))
            return responses.some((s) => mine.has(s.id)) }""", arg=bob.client_id(), timeout=30_000)
    except PlaywrightTimeoutError:
        seen = bob.page.evaluate("""() => { const lc = window.livecomplete
          return { remoteKernel: lc.remoteKernel, state: lc.state, kernel: document.querySelector('#kernel-status')?.dataset.state,
            requests: lc.debug.storedEvents().requests.map((r) => [r.requestedBy, r.source, r.answered]),
            kernels: lc.store.query(lc.schema.tables.remoteKernels) } }""")
        raise AssertionError(f"Bob's own kernel never answered: {seen}") from None
    stored = bob.stored_events()
    mine = {r["id"] for r in stored["requests"]
            if r["requestedBy"] == bob.client_id() and r["source"] and "zebra_".startswith(r["source"])}
    answers = [s for s in stored["responses"] if s["id"] in mine]
    # His kernel may offer it from the code of the cell above, which it never ran (other_cells):
    # then labelled so, never as the live name Alice's answer carried.
    offered = [o for s in answers for o in s["suggestions"] if o["text"] == "zebra_count"]
    assert answers and all(o.get("detail") == "cell 1, not run" for o in offered), answers


def test_a_remote_kernel_killed_mid_run_fails_that_run_and_the_page_runs_the_next(kernels, person):
    lease_ms = 3000
    kernel = kernels("kernel-doomed", lease_ms=lease_ms)
    alice = person()
    wait_for_remote_kernel(alice, "kernel-doomed")
    alice.set_cell(1, "import time\ntime.sleep(20)\n'never'")
    alice.editor(1).click()
    alice.page.keyboard.press("Shift+Enter")
    expect(alice.cell(1)).to_have_attribute("data-execution-state", "running", timeout=30_000)
    kernel.stop(signal.SIGKILL)
    killed = time.monotonic()

    error = alice.cell(1).locator(".output .error")
    expect(error).to_contain_text("stopped before it finished", timeout=lease_ms + 10_000)
    assert time.monotonic() - killed < lease_ms / 1000 + 8
    expect(alice.cell(1)).to_have_attribute("data-execution-state", "error")
    expect(alice.page.locator("#kernel-notice")).to_contain_text("runs now go to this page's kernel")

    run_and_wait(alice, 2, "'served by the page'")
    expect(alice.cell(2).locator(".output .value")).to_have_text("'served by the page'")


# -- a store that stops syncing (docs/sync.md#the-silent-stall) ------------------------------------


def test_a_remote_kernel_whose_store_stalled_serves_fresh_stores_and_keeps_its_namespace(kernels, person):
    kernel = kernels("kernel-renewed")
    alice = person()
    wait_for_remote_kernel(alice, "kernel-renewed")
    run_and_wait(alice, 0, "renewal_marker = 1")
    # What the kernel does when its sync watchdog fires (sync-watchdog.js), on demand.
    kernel.process.send_signal(signal.SIGUSR2)
    kernel.wait_for_line("serving fresh stores$", timeout_s=30)
    alice.set_cell(2, "")
    alice.type(2, "renewal_")
    alice.wait_for_option("renewal_marker")  # the namespace carried over
    alice.page.keyboard.press("Escape")
    settle(alice, kernel)
    wait_for_remote_kernel(alice, "kernel-renewed")
    assert answers_by_page(alice) == {}


def announcements(sync_backend, notebook_id):
    """How many lease announcements the backend holds for the notebook's completion store."""
    history = sync_backend.histories().get(f"{notebook_id}-completions", [])
    return sum(name == "v1.KernelAnnounced" for _, name, *_ in history)


def test_an_idle_kernel_goes_dormant_adds_no_events_and_wakes_when_asked(kernels, person, sync_backend, notebook_id):
    kernel = kernels(lease_ms=4000, idle_after_ms=3000)
    alice = person(role="write")
    wait_for_remote_kernel(alice, kernel.kernel_id)
    complete_os_path(alice)
    kernel.wait_for_line("dormant", timeout_s=30, after=len(kernel.lines))
    time.sleep(1)  # its dormant announcement reaches the backend
    before = announcements(sync_backend, notebook_id)
    # Awake, a 4 s lease is renewed every 1.3 s: 3 or 4 announcements in 5 s. Dormant: none.
    time.sleep(5)
    assert announcements(sync_backend, notebook_id) == before
    wait_for_remote_kernel(alice, kernel.kernel_id)  # still serving, as far as the page knows
    alice.set_cell(2, "import json\n")
    alice.type(2, "json.du")
    alice.wait_for_option("dumps")
    kernel.wait_for_line("asked something: awake", timeout_s=10)
    settle(alice, kernel)


def test_a_dormant_kernel_that_died_is_taken_for_gone_as_soon_as_someone_asks(kernels, person):
    kernel = kernels(lease_ms=6000, idle_after_ms=2000)
    bob = person()  # a kernel token: his page's own kernel may serve
    wait_for_remote_kernel(bob, kernel.kernel_id)
    kernel.wait_for_line("dormant", timeout_s=30)
    kernel.stop(signal.SIGKILL)
    complete_os_path(bob)
    expect(bob.page.locator("#remote-kernel")).to_be_hidden(timeout=10_000)
    assert len(answers_by_page(bob)) > 0
