"""The sync backend (wrangler on loopback) and remote kernel processes, for the sync tests."""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import build

STARTUP_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OutputProcess:
    """A child process whose output lines are collected as they come."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self._ended = False  # the output ended (the process closed it or exited)
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for_line(self, pattern: str, timeout_s: float = STARTUP_TIMEOUT_S, after: int = 0) -> re.Match:
        """The first line from index `after` on matching `pattern`; fails with the output."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    if match := re.search(pattern, line):
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or self._ended:
                    raise AssertionError(f"no line matching {pattern!r}; output:\n" + "\n".join(self.lines[-40:]))
                self._changed.wait(min(left, 0.5))

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 10) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class SyncBackend:
    """`wrangler dev` running web/sync/ on a loopback port, restartable on the same port and data."""

    def __init__(self, state: Path) -> None:
        self.port = free_port()
        self.state = state
        self.url = f"ws://127.0.0.1:{self.port}"
        self._process: OutputProcess | None = None
        self.secret = build.sync_secret(state)

    def token(self, notebook_id: str, role: str, hours: float = 2) -> str:
        """A token for `notebook_id` signed with this backend's secret (as `build.py token` makes)."""
        return build.mint_token(self.state, notebook_id, role, hours)

    @property
    def lines(self) -> list[str]:
        """What wrangler logged so far."""
        return list(self._process.lines) if self._process else []

    def start(self) -> None:
        self._process = OutputProcess(
            build.sync_backend_command("127.0.0.1", self.port, self.state), cwd=build.SYNC_WORKER, env=build.SYNC_ENV)
        self._process.wait_for_line(r"Ready on http://127\.0\.0\.1")

    def histories(self) -> dict[str, list[tuple[int, str, str]]]:
        """What the backend keeps, read from its Durable Objects' SQLite files: {store id: [(seqNum,
        name, args, clientId, sessionId, parentSeqNum), ...]} for every store it holds events of."""
        kept = {}
        for file in (self.state / "v3" / "do").glob("*/*.sqlite"):
            if file.name == "metadata.sqlite":
                continue
            with contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as db:
                tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                context = next((t for t in tables if t.startswith("context_")), None)
                store = context and db.execute(f'SELECT storeId FROM "{context}"').fetchone()
                for table in (t for t in tables if t.startswith("eventlog_")):
                    rows = db.execute(f'SELECT seqNum, name, args, clientId, sessionId, parentSeqNum FROM "{table}" ORDER BY seqNum').fetchall()
                    if store and rows:
                        kept[store[0]] = rows
        return kept

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None


def _epoch_ms(stamp: str) -> float | None:
    """An ISO time as the kernel logs it (`2026-12-01T11:36:15.414Z`), in ms since the epoch."""
    try:
        return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return None


class RemoteKernelProcess(OutputProcess):
    """`web/node/remote-kernel.js` for one notebook."""

    def __init__(self, notebook_id: str, sync_url: str, kernel_id: str, lease_ms: int = 6000, *,
                 token: str | None, wait_serving: bool = True, idle_after_ms: int | None = None) -> None:
        idle = ["--idle-after-ms", str(idle_after_ms)] if idle_after_ms else []
        super().__init__(
            build.remote_kernel_command(notebook_id, sync_url, "--kernel-id", kernel_id, "--lease-ms", str(lease_ms), *idle),
            cwd=build.ROOT, env={build.TOKEN_VARIABLE: token or ""},
        )
        self.kernel_id = kernel_id
        if wait_serving:
            self.wait_for_line(r"serves .* through ")

    def answers(self) -> list[dict]:
        """What the kernel logged answering: {id, requestedBy, cell, status, how, computations,
        loggedAt (epoch ms, just after its commit), heldMs (since the kernel saw it, or None)}."""
        pattern = re.compile(
            r"^(\S+) .*answered (\S+) from ([^/\s]+)/(\S+): (\w+), \d+ suggestions, (\w+)"
            r"(?:.*, (\d+) ms after it arrived)?.*\(computations: (\d+)\)")
        return [
            {"id": m[2], "requestedBy": m[3], "cell": m[4], "status": m[5], "how": m[6], "computations": int(m[8]),
             "loggedAt": _epoch_ms(m[1]), "heldMs": None if m[7] is None else float(m[7])}
            for line in list(self.lines) if (m := pattern.search(line))
        ]

    def computations(self) -> int:
        answers = self.answers()
        return answers[-1]["computations"] if answers else 0

    def sockets(self) -> dict[str, list[str]]:
        """The process's sockets from /proc: {"listening": TCP listening or UDP bound,
        "connected": established TCP connections, as "table local -> remote" (hex, as /proc has it)}."""
        inodes = set()
        fd_dir = Path(f"/proc/{self.process.pid}/fd")
        for fd in fd_dir.iterdir():
            with_target = os.readlink(fd) if fd.is_symlink() else ""
            if m := re.fullmatch(r"socket:\[(\d+)\]", with_target):
                inodes.add(m[1])
        found: dict[str, list[str]] = {"listening": [], "connected": []}
        for table in ("tcp", "tcp6", "udp", "udp6"):
            path = Path(f"/proc/{self.process.pid}/net/{table}")
            for line in path.read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                if inode not in inodes:
                    continue
                if (state == "0A" and table.startswith("tcp")) or (state == "07" and table.startswith("udp")):
                    found["listening"].append(f"{table} {local}")
                elif state == "01" and table.startswith("tcp"):
                    found["connected"].append(f"{table} {local} -> {remote}")
        return found
