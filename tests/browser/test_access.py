"""Only a notebook's people get in: tokens and roles at the sync backend (docs/access.md).

Wrangler on loopback, real pages and kernel processes. The pages here hold the token in their
URL's fragment, as `build.py sync` prints it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

import build
from notebook_page import COUNT_COMMITS, NotebookPage
from sync_services import OutputProcess, RemoteKernelProcess, free_port

access = build._pure_module("access")

# Every commit of both of a page's stores, by event name (window.commitsByName).
COUNT_ALL_COMMITS = """() => {
  window.commitsByName = {}
  const count = (store) => {
    const commit = store.commit.bind(store)
    store.commit = (...events) => {
      for (const { name } of events) window.commitsByName[name] = (window.commitsByName[name] ?? 0) + 1
      return commit(...events)
    }
  }
  count(window.livecomplete.store)
  count(window.livecomplete.debug.notebookStore().store)
}"""


@pytest.fixture
def people(browser, base_url, notebook_id, sync_backend):
    """Open the notebook synced, each person in a browser context of their own, with a token."""
    opened = []

    def open_as(token, wait_ready=True):
        context = browser.new_context()
        notebook = NotebookPage(context.new_page(), base_url)
        notebook.open(notebook_id, sync=sync_backend.url, token=token, wait_ready=wait_ready)
        opened.append((context, notebook))
        return notebook

    yield open_as
    for context, notebook in opened:
        notebook.assert_no_errors()
        context.close()


@pytest.fixture
def kernel_process(sync_backend, notebook_id):
    started = []

    def start(token, wait_serving=True):
        process = RemoteKernelProcess(notebook_id, sync_backend.url, "kernel-access", 30_000,
                                      token=token, wait_serving=wait_serving)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop(signal.SIGKILL)
        print("--- kernel's last lines:", *process.lines[-20:], sep="\n")


def expired_token(backend, notebook_id, role="write"):
    return access.mint_token(backend.secret, notebook_id, role, int(time.time()) - 60)


def forged_token(backend, notebook_id, role="kernel"):
    """Claims of our choosing, signed with another secret."""
    return access.mint_token(access.new_secret(), notebook_id, role, int(time.time()) + 3600)


def upgrade_status(backend, store_id: str, token: str | None, transport: str = "ws") -> int:
    """The status the backend answers a LiveStore WebSocket connection with (101: let in)."""
    payload = json.dumps({"syncUrl": backend.url, **({"token": token} if token is not None else {})})
    query = urllib.parse.urlencode({"storeId": store_id, "payload": payload, "transport": transport})
    connection = http.client.HTTPConnection("127.0.0.1", backend.port, timeout=15)
    try:
        connection.request("GET", f"/?{query}", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        })
        return connection.getresponse().status
    finally:
        connection.close()


def assert_kept_secret(backend, secrets: list[str], *more_logs: list[str]) -> None:
    for line in [*backend.lines, *(line for log in more_logs for line in log)]:
        for secret in secrets:
            assert secret not in line, f"a secret or token in a log line: {line[:200]}"


def test_the_backend_lets_in_only_a_valid_token_for_the_notebook(sync_backend, notebook_id):
    good = sync_backend.token(notebook_id, "write")
    completions = f"{notebook_id}-completions"
    assert upgrade_status(sync_backend, notebook_id, good) == 101
    assert upgrade_status(sync_backend, completions, good) == 101
    refused = {
        "no token": None,
        "not a token": "hello",
        "bad signature": forged_token(sync_backend, notebook_id),
        "expired": expired_token(sync_backend, notebook_id),
        "another notebook": sync_backend.token("someone-elses", "kernel"),
    }
    for why, token in refused.items():
        for store_id in (notebook_id, completions):
            assert upgrade_status(sync_backend, store_id, token) == 400, (why, store_id)
    # Only the WebSocket transport: LiveStore's HTTP one would be another door.
    assert upgrade_status(sync_backend, notebook_id, good, transport="http") == 400
    assert_kept_secret(sync_backend, [sync_backend.secret, good, *filter(None, refused.values())])


def test_a_kernel_without_a_kernel_token_the_backend_accepts_exits_and_says_why(
        sync_backend, notebook_id, kernel_process, tmp_path):
    cases = {
        "no token": (None, "no token"),
        "bad signature": (forged_token(sync_backend, notebook_id), "bad signature"),
        "expired": (expired_token(sync_backend, notebook_id, "kernel"), "the token has expired"),
        "another notebook": (sync_backend.token("someone-elses", "kernel"), "another notebook"),
        "a write token": (sync_backend.token(notebook_id, "write"), "a kernel needs a kernel token, this one grants write"),
    }
    for case, (token, why) in cases.items():
        kernel = kernel_process(token, wait_serving=False)
        assert kernel.process.wait(60) == 2, case
        kernel.wait_for_line(rf"not allowed to serve notebook {re.escape(notebook_id)}: .*{re.escape(why)}", timeout_s=5)
        assert not any("serves" in line for line in kernel.lines), case
        assert_kept_secret(sync_backend, [sync_backend.secret, *filter(None, [token])], kernel.lines)
    # From a file instead of the environment (this one's token has expired), or a file that is not there.
    token_file = tmp_path / "kernel-token"
    token_file.write_text(expired_token(sync_backend, notebook_id, "kernel") + "\n")
    for path, why in ((token_file, "the token has expired"), (tmp_path / "missing", "cannot read --token-file")):
        result = subprocess.run(build.remote_kernel_command(notebook_id, sync_backend.url, "--token-file", str(path)),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and why in result.stderr, result.stderr


def test_a_page_with_a_refused_token_is_told_why_sees_nothing_and_stays_usable_locally(
        sync_backend, notebook_id, people):
    writer = people(sync_backend.token(notebook_id, "write"))
    writer.set_cell(1, "top_secret = 'only for the notebook's people'\n")
    writer.wait_until_saved()
    writer.page.context.close()

    forged = forged_token(sync_backend, notebook_id)
    stranger = people(forged)
    expect(stranger.page.locator("#sync-refused")).to_have_text(
        "Not allowed to open this notebook: bad signature. It stays in this browser only.")
    expect(stranger.page.locator("#sync-url")).to_have_attribute("data-refused", "true")
    expect(stranger.page.locator(".cell")).not_to_have_count(0)
    assert "top_secret" not in stranger.page.locator("main.cells").inner_text()
    # Local, the page's own kernel runs and completes as without a backend.
    stranger.set_cell(1, "import json\n")
    stranger.type(1, "json.du")
    stranger.wait_for_option("dumps")
    stranger.page.keyboard.press("Escape")
    stranger.set_cell(2, "stranger_was_here = 1")
    stranger.run_cell(2)
    stranger_id = stranger.client_id()

    # Expired and another notebook's tokens: refused by the same check before anything connects
    # (sync-access.js), as the kernel's test shows.

    reader = people(sync_backend.token(notebook_id, "read"))
    # The notebook reaches a new page as its events stream in from the backend, on a busy machine in seconds.
    expect(reader.page.locator("main.cells")).to_contain_text("top_secret", timeout=30_000)
    assert "stranger_was_here" not in reader.page.locator("main.cells").inner_text()
    requests = reader.page.evaluate("() => window.livecomplete.debug.storedEvents().requests")
    assert stranger_id not in {r["requestedBy"] for r in requests}
    assert_kept_secret(sync_backend, [sync_backend.secret, forged], stranger.warnings, stranger.errors, reader.warnings)


def test_a_read_token_sees_cells_outputs_and_completions_and_changes_nothing(
        sync_backend, notebook_id, people, kernel_process):
    kernel_token = sync_backend.token(notebook_id, "kernel")
    kernel = kernel_process(kernel_token)
    writer_token = sync_backend.token(notebook_id, "write")
    writer = people(writer_token)
    expect(writer.page.locator("#remote-kernel")).to_have_attribute("data-kernel-id", "kernel-access", timeout=30_000)
    writer.set_cell(1, "zebra_count = 6 * 7\nprint(zebra_count)")
    writer.run_cell(1)
    assert writer.output(1).strip() == "42"
    assert any(" ran " in line for line in kernel.lines)  # the remote kernel ran it, not the page
    writer.type(2, "zebra_c")
    writer.wait_for_option("zebra_count")
    writer.page.keyboard.press("Escape")
    writer.wait_until_saved()

    reader_token = sync_backend.token(notebook_id, "read")
    reader = people(reader_token)
    reader.page.evaluate(COUNT_ALL_COMMITS)
    expect(reader.cell(1).locator(".output")).to_have_text("42", timeout=30_000)
    expect(reader.editor(1)).to_contain_text("zebra_count = 6 * 7", timeout=30_000)
    expect(reader.page.locator("body")).to_have_class(re.compile("read-only"))
    expect(reader.editor(1)).to_have_attribute("contenteditable", "false")
    expect(reader.cell(1).locator(".run")).to_be_hidden()
    expect(reader.page.locator(".add-cell")).to_be_hidden()
    # Typing changes nothing, asks nothing; nor does a run asked through the API.
    reader.editor(2).click()
    reader.page.keyboard.type("zebra_c", delay=150)
    reader.page.keyboard.press("Shift+Enter")
    assert reader.cell_text(2) == writer.cell_text(2)
    refused = reader.page.evaluate(
        "() => window.livecomplete.notebook.setSource('x', 'y').then(() => 'written', (e) => e.message)")
    assert refused == "this page may only read the notebook (its token is a read token)"
    reader.page.wait_for_timeout(1500)
    assert reader.page.evaluate("window.commitsByName") == {}
    assert reader.popup.count() == 0
    assert_kept_secret(sync_backend, [sync_backend.secret, kernel_token, writer_token, reader_token],
                       kernel.lines, writer.warnings, reader.warnings)


def test_only_a_kernel_token_serves_a_fake_announcement_from_a_write_token_silences_nobody(
        sync_backend, notebook_id, people):
    # No remote kernel. A page holding a kernel token answers its own requests with its own
    # kernel; one holding a write token does not: only a kernel answers (the status says so).
    owner = people(sync_backend.token(notebook_id, "kernel"))
    writer = people(sync_backend.token(notebook_id, "write"))
    writer.page.evaluate(COUNT_COMMITS)
    expect(writer.page.locator("#remote-kernel")).to_have_text(
        "No kernel serves this notebook yet: runs and completions wait for one")
    writer.set_cell(1, "import json\n")
    writer.type(1, "json.du")
    writer.page.wait_for_timeout(2000)
    writer.page.keyboard.press("Escape")
    assert writer.page.evaluate("window.answersCommitted") == {}

    # A write token's client announces a kernel of its own: the backend refuses the push.
    writer.page.evaluate("""() => {
      const lc = window.livecomplete
      lc.store.commit(lc.schema.events.kernelAnnounced({ kernelId: 'a-fake-kernel', leaseMs: 60000, timestamp: Date.now() }))
    }""")
    owner.page.wait_for_timeout(3000)
    assert owner.page.evaluate(
        "() => window.livecomplete.store.query(window.livecomplete.schema.queries.remoteKernels()).map((k) => k.id)") == []
    expect(owner.page.locator("#remote-kernel")).to_be_hidden()
    owner.set_cell(1, "import os\n")
    owner.type(1, "os.pa")
    owner.wait_for_option("path")
    owner.page.keyboard.press("Escape")
    assert any("a write token may not write v1.KernelAnnounced" in line for line in sync_backend.lines), sync_backend.lines[-20:]


def test_when_a_token_expires_the_page_says_so_and_the_kernel_stops_saying_why(
        sync_backend, notebook_id, people, kernel_process):
    soon = int(time.time()) + 20
    kernel = kernel_process(access.mint_token(sync_backend.secret, notebook_id, "kernel", soon))
    page = people(access.mint_token(sync_backend.secret, notebook_id, "write", soon))
    expect(page.page.locator("#sync-url")).to_contain_text("connected")
    expect(page.page.locator("#sync-refused")).to_have_text(
        "Not allowed to open this notebook: the token has expired; reload with a new one. It stays in this browser only.",
        timeout=40_000)
    expect(page.page.locator("#sync-url")).to_have_attribute("data-refused", "true")
    assert kernel.process.wait(30) == 2
    kernel.wait_for_line(r"remote-kernel: the token expired \(.*\): start the kernel again with a new one", timeout_s=5)


def test_build_py_sync_prints_page_and_kernel_commands_whose_tokens_work():
    port = free_port()
    server = OutputProcess([sys.executable, str(build.ROOT / "build.py"), "sync", "--port", str(port),
                            "--notebook", "printed"], cwd=build.ROOT)
    try:
        server.wait_for_line(rf"sync backend listening on ws://127\.0\.0\.1:{port}")
        edit = server.wait_for_line(r"edit: +(\S+)")[1]
        read = server.wait_for_line(r"read only: +(\S+)")[1]
        kernel = server.wait_for_line(rf"kernel: +{build.TOKEN_VARIABLE}=(\S+) python3 build.py kernel --notebook printed --sync ws://127\.0\.0\.1:{port}$")[1]
        granted = {}
        for url in (edit, read):
            parsed = urllib.parse.urlsplit(url)
            assert urllib.parse.parse_qs(parsed.query) == {"notebook": ["printed"], "sync": [f"ws://127.0.0.1:{port}"]}
            granted[url] = ask_access(port, "printed", urllib.parse.parse_qs(parsed.fragment)["token"][0])
        granted["kernel"] = ask_access(port, "printed", kernel)
        assert [g["role"] for g in granted.values()] == ["write", "read", "kernel"], granted
        assert ask_access(port, "another", kernel) == {"allowed": False, "why": "the token is for another notebook (printed)"}
    finally:
        server.stop()


def ask_access(port: int, notebook: str, token: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/access?notebook={notebook}", data=token.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def test_the_token_command_refuses_bad_arguments_clearly(tmp_path):
    def token(*args):
        return subprocess.run([sys.executable, str(build.ROOT / "build.py"), "token", "--data", str(tmp_path), *args],
                              capture_output=True, text=True, timeout=60)

    made = token("--notebook", "nb-1", "--role", "read")
    assert made.returncode == 0 and access.read_claims(made.stdout.strip()).role == "read"
    assert "not a notebook id" in token("--notebook", "no spaces").stderr
    assert "--hours must be more than 0" in token("--notebook", "nb-1", "--hours", "-1").stderr
    assert "invalid choice: 'admin'" in token("--notebook", "nb-1", "--role", "admin").stderr


OFFLINE_SYNC = """
ip link set lo up
setsid "$PYTHON" build.py sync --port "$PORT" --data "$DATA" > "$LOG" 2>&1 &
SYNC=$!
for _ in $(seq 180); do
  if "$PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=2)" 2>/dev/null; then
    echo served; break
  fi
  sleep 0.5
done
kill -- -$SYNC; wait
"""


def test_the_sync_backend_starts_and_serves_with_outbound_network_refused(tmp_path):
    # A network namespace with loopback only: DNS and every outbound connection fail at once.
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs a network namespace (unshare -n: root or user namespaces)")
    log = tmp_path / "sync.log"
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", OFFLINE_SYNC], cwd=build.ROOT, capture_output=True, text=True, timeout=150,
        env={**os.environ, "PYTHON": sys.executable, "PORT": str(free_port()), "DATA": str(tmp_path / "data"),
             "LOG": str(log)})
    output = log.read_text()
    assert "served" in result.stdout, output[-3000:]
    assert "sync backend listening on" in output
    assert not re.search(r"update available|ENOTFOUND|EAI_AGAIN|getaddrinfo", output), output[-3000:]
