#!/usr/bin/env python3
"""Build, serve and test livecomplete: `python3 build.py serve`, `python3 build.py test`.

Also `python3 build.py sync` (the sync backend on 127.0.0.1, with the page and kernel commands
and their tokens), `python3 build.py token --notebook <id> --role write` (another token) and
`python3 build.py kernel --notebook <id> --sync <ws-url>` (a remote kernel that connects to it;
its token in LIVECOMPLETE_SYNC_TOKEN).

Standard library only, so it runs on a fresh machine before anything is installed. Each build
step says what it does and is skipped when its inputs have not changed since it last ran:
  1. JS dependencies   web/node_modules from web/package-lock.json (npm ci)
  2. Pyodide           the runtime files from the pinned npm `pyodide` package
  3. Jedi wheels       the kernel's jedi/parso wheels from PyPI (pins in pyproject.toml)
  4. livecomplete      a wheel of py/livecomplete for the page and the kernel
  5. bundle            web/ and index.html bundled by Vite into dist/, then 2-4 copied beside it
  6. snapshots         Pyodide memory snapshots the page and the kernel start from (web/node/)
  7. library           dist/lib/, what a host installs: livecomplete.js with its workers, CodeMirror
                       as ES modules, and 2-4 and 6 beside them; the example hosts in dist/examples/
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import gzip
import hashlib
import importlib.util
import http.server
import json
import os
import shutil
import subprocess
import sys
import time
import re
import tomllib
import urllib.parse
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
WEB = ROOT / "web"
PY = ROOT / "py"
BUILD = ROOT / "build"
DIST = ROOT / "dist"
VENV = ROOT / ".venv"
STAMPS = BUILD / "stamps"
WHEELS = BUILD / "wheels"
PYODIDE_PACKAGE = WEB / "node_modules" / "pyodide"
# Runtime files of the npm package; the rest (console pages, maps, typings) is not served.
PYODIDE_SUFFIXES = {".mjs", ".js", ".wasm", ".zip", ".json"}
MIN_NODE_MAJOR = 20
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
DEFAULT_SYNC_PORT = 8787
SYNC_WORKER = WEB / "sync"
# Where the local sync backend keeps its Durable Objects' data between runs.
SYNC_STATE = BUILD / "sync-state"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# A fixed date keeps the livecomplete wheel byte-identical for identical sources.
WHEEL_DATE = (2026, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """A step cannot go on; the message says why and what to do."""


@functools.cache
def project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


# ---------------------------------------------------------------------------------------------
# Steps


def require_node() -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        raise BuildError(
            f"{missing} not found. Node.js {MIN_NODE_MAJOR}+ with npm builds the page's JavaScript: "
            "install it with your package manager (Debian: `apt-get install nodejs npm`) "
            "or from https://nodejs.org/, then run this again."
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0)
    if major < MIN_NODE_MAJOR:
        raise BuildError(f"Node.js {MIN_NODE_MAJOR}+ is needed, found {version} at {node}.")


def js_dependencies() -> bool:
    inputs = [WEB / "package.json", WEB / "package-lock.json"]
    if (WEB / "node_modules").is_dir() and fresh("js-dependencies", inputs):
        return False
    run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB)
    stamp("js-dependencies", inputs)
    return True


def pyodide_files() -> bool:
    target = BUILD / "pyodide"
    inputs = [PYODIDE_PACKAGE / "package.json"]
    packed = [target / f"{name}.gz" for name in PRECOMPRESSED if (PYODIDE_PACKAGE / name).exists()]
    if target.is_dir() and fresh("pyodide", inputs) and all(p.exists() for p in packed):
        return False
    if not PYODIDE_PACKAGE.is_dir():
        raise BuildError("web/node_modules/pyodide is missing; the JS dependencies step should bring it.")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for file in PYODIDE_PACKAGE.iterdir():
        if file.suffix in PYODIDE_SUFFIXES and file.name != "package.json":
            shutil.copy2(file, target / file.name)
            if file.name in PRECOMPRESSED:
                write_gzip(target / file.name)
    stamp("pyodide", inputs)
    return True


def browser_wheels() -> bool:
    pins = project()["tool"]["livecomplete"]["browser-wheels"]
    WHEELS.mkdir(parents=True, exist_ok=True)
    missing = [pin for pin in pins if not _wheel_for(pin)]
    if not missing:
        return False
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--dest", str(WHEELS), *missing], quiet=True)
    still_missing = [pin for pin in missing if not _wheel_for(pin)]
    if still_missing:
        raise BuildError(f"pip did not bring a wheel for {', '.join(still_missing)}")
    return True


def _wheel_for(pin: str) -> Path | None:
    name, version = pin.split("==")
    return next(iter(WHEELS.glob(f"{name.replace('-', '_')}-{version}-*.whl")), None)


def livecomplete_wheel() -> bool:
    meta = project()["project"]
    name, version = meta["name"], meta["version"]
    wheel = WHEELS / f"{name}-{version}-py3-none-any.whl"
    sources = sorted((PY / name).rglob("*.py"))
    if wheel.exists() and fresh("livecomplete-wheel", [*sources, ROOT / "pyproject.toml"]):
        return False
    for old in WHEELS.glob(f"{name}-*.whl"):
        old.unlink()
    write_wheel(wheel, name, version, meta["requires-python"], sources)
    stamp("livecomplete-wheel", [*sources, ROOT / "pyproject.toml"])
    return True


def write_wheel(wheel: Path, name: str, version: str, requires_python: str, sources: list[Path]) -> None:
    """A pure-Python wheel (PEP 427) of `sources`, without needing a build backend."""
    dist_info = f"{name}-{version}.dist-info"
    files = {f"{name}/{src.relative_to(PY / name).as_posix()}": src.read_bytes() for src in sources}
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: {requires_python}\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: livecomplete build.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, WHEEL_DATE), data, zipfile.ZIP_DEFLATED)


# The facts the JavaScript shares with Python, generated from their one source in py/livecomplete/:
# the options' defaults (options.py), the names (naming.py), what the completion store keeps
# (limits.py) and who may write what through a sync backend (access.py). An ES module, so the
# page (web/src/facts.js), the sync backend and the remote kernel import it alike.
FACTS = BUILD / "generated" / "facts.mjs"


def _pure_module(name: str, folder: Path = PY / "livecomplete"):
    """<folder>/<name>.py loaded on its own (no package import: it needs no dependency)."""
    spec = importlib.util.spec_from_file_location(f"_livecomplete_{name}", folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses looks the module up while building a class
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def facts() -> dict:
    """{optionDefaults (camelCase), notebookIdPattern, completionsSuffix, storeDirectoryPrefix,
    storedLimits, access}."""
    naming = _pure_module("naming")
    access = _pure_module("access")
    return {
        "access": {
            "tokenPrefix": access.TOKEN_PREFIX,
            "roles": list(access.ROLES),
            "eventsByRole": {role: sorted(events) for role, events in access.EVENTS_BY_ROLE.items()},
            "minSecretLength": access.MIN_SECRET_LENGTH,
        },
        "optionDefaults": _pure_module("options").Options().to_mapping(),
        "notebookIdPattern": naming.NOTEBOOK_ID_PATTERN,
        "completionsSuffix": naming.COMPLETIONS_SUFFIX,
        "storeDirectoryPrefix": naming.STORE_DIRECTORY_PREFIX,
        "storedLimits": _pure_module("limits").STORED_LIMITS,
    }


def write_facts() -> None:
    text = "// Generated by build.py from py/livecomplete/ (see facts()).\nexport default " + json.dumps(
        facts(), indent=2, sort_keys=True) + "\n"
    if not FACTS.exists() or FACTS.read_text() != text:
        FACTS.parent.mkdir(parents=True, exist_ok=True)
        FACTS.write_text(text)


def bundle() -> bool:
    write_facts()
    inputs = [ROOT / "index.html", WEB / "package-lock.json", *_files(WEB / "src"), WEB / "vite.config.js", FACTS]
    wheels = sorted(WHEELS.glob("*.whl"))
    assets = [*wheels, *_files(BUILD / "pyodide")]
    if (DIST / "index.html").exists() and fresh("bundle", [*inputs, *assets]):
        return False
    run(["npx", "--no-install", "vite", "build", "--config", "vite.config.js", "--logLevel", "warn"], cwd=WEB)
    shutil.copytree(BUILD / "pyodide", DIST / "pyodide", dirs_exist_ok=True)
    (DIST / "wheels").mkdir(exist_ok=True)
    for wheel in wheels:
        shutil.copy2(wheel, DIST / "wheels" / wheel.name)
    manifest = {
        # The page's Python needs only livecomplete; the kernel also needs Jedi.
        "page": [w.name for w in wheels if w.name.startswith("livecomplete-")],
        "kernel": [w.name for w in wheels],
    }
    (DIST / "wheels" / "manifest.json").write_text(json.dumps(manifest, indent=2))
    stamp("bundle", [*inputs, *assets])
    return True


# Served gzip-encoded when the browser accepts it (see _Handler): the snapshots are a third or
# less of their size compressed (a heap has long runs of zeros), which also keeps them small
# enough for the browser's HTTP cache to keep.
PRECOMPRESSED = ("pyodide.asm.wasm", "page.bin", "page.files", "kernel.bin", "kernel.files")


def write_gzip(source: Path) -> Path:
    """`<source>.gz` next to it, with the same modification time (its 304s follow the source)."""
    target = source.with_name(source.name + ".gz")
    partial = target.with_name(target.name + ".partial")
    with source.open("rb") as raw, gzip.open(partial, "wb", compresslevel=1) as packed:
        shutil.copyfileobj(raw, packed, 1 << 20)
    partial.replace(target)
    info = source.stat()
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    return target


def snapshots() -> bool:
    """dist/snapshots/{page,kernel}.{bin,files}: made under Node into build/snapshots/ from the
    wheels and Pyodide of dist/, then copied (a page bundle rebuild empties dist/, not build/)."""
    made = BUILD / "snapshots"
    maker = WEB / "node" / "make-snapshots.js"
    inputs = [maker, *sorted(WHEELS.glob("*.whl")), *_files(BUILD / "pyodide")]
    made_names = ("page.bin", "page.files", "kernel.bin", "kernel.files")
    names = (*made_names, *(f"{n}.gz" for n in made_names))
    remade = False
    if not (all((made / n).exists() for n in names) and fresh("snapshots", inputs)):
        shutil.rmtree(made, ignore_errors=True)
        run(["node", str(maker), str(DIST / "wheels"), str(made)], cwd=WEB, quiet=True)
        for name in made_names:
            write_gzip(made / name)
        stamp("snapshots", inputs)
        remade = True
    copied = False
    for name in names:
        target = DIST / "snapshots" / name
        if remade or not target.exists():
            target.parent.mkdir(exist_ok=True)
            shutil.copy2(made / name, target)
            copied = True
    return remade or copied


LIB = DIST / "lib"
PYSCRIPT_PACKAGE = WEB / "node_modules" / "@pyscript" / "core" / "dist"


def library() -> bool:
    """dist/lib/ (README: Embedding): livecomplete.js and its workers, CodeMirror as ES modules for a
    host without a bundler, and the Python files beside them (linked, not copied: the snapshots
    alone are 100 MB); the example hosts in dist/examples/, with PyScript in dist/pyscript/."""
    inputs = [WEB / "package-lock.json", *_files(WEB / "src"), *_files(WEB / "lib"), WEB / "vite.lib.config.js",
              FACTS, *_files(ROOT / "examples")]
    assets = [*_files(DIST / "pyodide"), *_files(DIST / "wheels"), *_files(DIST / "snapshots")]
    built = [LIB / "livecomplete.js", LIB / "codemirror" / "state.js", DIST / "examples" / "plain.html"]
    if all(p.exists() for p in built) and fresh("library", [*inputs, *assets]):
        return False
    for mode in ("library", "codemirror"):
        run(["npx", "--no-install", "vite", "build", "--config", "vite.lib.config.js", "--mode", mode,
             "--logLevel", "warn"], cwd=WEB)
    for folder in ("pyodide", "wheels", "snapshots"):
        link_tree(DIST / folder, LIB / folder)
    importmap = codemirror_importmap()
    (LIB / "codemirror" / "importmap.json").write_text(json.dumps(importmap, indent=2) + "\n")
    shutil.rmtree(DIST / "examples", ignore_errors=True)
    shutil.copytree(ROOT / "examples", DIST / "examples")
    # The examples' import maps: written in, since a browser reads an import map only inline.
    relative = {name: f"../lib/codemirror/{path.removeprefix('./')}" for name, path in importmap["imports"].items()}
    inline = f'<script type="importmap">{json.dumps({"imports": relative})}</script>'
    for page in (DIST / "examples").glob("*.html"):
        page.write_text(page.read_text().replace(IMPORTMAP_PLACEHOLDER, inline))
    shutil.rmtree(DIST / "pyscript", ignore_errors=True)
    shutil.copytree(PYSCRIPT_PACKAGE, DIST / "pyscript", ignore=shutil.ignore_patterns("*.map"))
    stamp("library", [*inputs, *assets])
    return True


IMPORTMAP_PLACEHOLDER = '<script type="importmap" src="codemirror-importmap"></script>'


def codemirror_importmap() -> dict:
    """The import map for dist/lib/codemirror/ (relative to that folder): each package a host
    imports by name, to its file (web/lib/codemirror-entries.json, which Vite builds from)."""
    entries = json.loads((WEB / "lib" / "codemirror-entries.json").read_text())
    return {"imports": {specifier: f"./{name}.js" for specifier, name in entries.items()}}


def link_tree(source: Path, target: Path) -> None:
    """`target` holding the files of `source` as hard links (copies where a link cannot be made)."""
    for file in _files(source):
        linked = target / file.relative_to(source)
        linked.parent.mkdir(parents=True, exist_ok=True)
        linked.unlink(missing_ok=True)
        try:
            os.link(file, linked)
        except OSError:
            shutil.copy2(file, linked)


STEPS = (
    ("JS dependencies (npm ci)", js_dependencies),
    ("Pyodide runtime files", pyodide_files),
    ("Jedi and parso wheels for the kernel", browser_wheels),
    ("livecomplete wheel from py/", livecomplete_wheel),
    ("page bundle (Vite) into dist/", bundle),
    ("Python memory snapshots (page, kernel)", snapshots),
    ("library for hosts into dist/lib/, example hosts", library),
)


def build() -> None:
    require_node()
    for number, (label, action) in enumerate(STEPS, 1):
        print(f"[{number}/{len(STEPS)}] {label} ...", end=" ", flush=True)
        started = time.perf_counter()
        did_work = action()
        print(f"done in {time.perf_counter() - started:.1f} s" if did_work else "up to date", flush=True)


# ---------------------------------------------------------------------------------------------
# Freshness: a step's stamp records its inputs' sizes and modification times.


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _fingerprint(inputs: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in inputs:
        info = path.stat() if path.exists() else None
        digest.update(f"{path}:{info and info.st_size}:{info and info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def fresh(name: str, inputs: Iterable[Path]) -> bool:
    stamp_file = STAMPS / name
    return stamp_file.exists() and stamp_file.read_text() == _fingerprint(inputs)


def stamp(name: str, inputs: Iterable[Path]) -> None:
    STAMPS.mkdir(parents=True, exist_ok=True)
    (STAMPS / name).write_text(_fingerprint(inputs))


def run(command: list[str], *, quiet: bool = False, **kwargs) -> None:
    """Run a step's tool; `quiet` keeps its output unless it fails (pip's notices break progress lines)."""
    try:
        subprocess.run(command, check=True, capture_output=quiet, text=quiet, **kwargs)
    except FileNotFoundError as error:
        raise BuildError(f"cannot run {command[0]}: {error}") from None
    except subprocess.CalledProcessError as error:
        output = f"\n{error.stdout or ''}{error.stderr or ''}".rstrip() if quiet else ""
        raise BuildError(f"`{' '.join(command)}` failed with exit code {error.returncode}{output}") from None


# ---------------------------------------------------------------------------------------------
# Serving


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".whl": "application/zip",
        ".json": "application/json",
    }

    def send_head(self):
        # A file of PRECOMPRESSED goes out as its `.gz`, gzip-encoded, to a browser that takes it.
        self._gzip_of = None
        path = Path(self.translate_path(self.path))
        packed = path.with_name(path.name + ".gz")
        if (path.name not in PRECOMPRESSED or not packed.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        self.path = urllib.parse.urlsplit(self.path).path + ".gz"
        self._gzip_of = path
        return super().send_head()

    def guess_type(self, path) -> str:
        # The `.gz` is sent as the type of what it holds.
        return super().guess_type(getattr(self, "_gzip_of", None) or path)

    def end_headers(self) -> None:
        if getattr(self, "_gzip_of", None):
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        # Revalidate every time (a 304 is cheap on loopback) so a rebuild is never hidden by a cache.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if os.environ.get("LIVECOMPLETE_HTTP_LOG"):
            super().log_message(format, *args)


def make_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, root: Path = DIST):
    """An HTTP server for the built page in `root`; port 0 picks a free one."""
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(host: str, port: int) -> None:
    build()
    try:
        server = make_server(host, port)
    except OSError as error:
        raise BuildError(f"cannot listen on {host}:{port} ({error.strerror}); try --port") from None
    print(f"livecomplete notebook: http://{host}:{server.server_address[1]}/  (Ctrl+C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


# ---------------------------------------------------------------------------------------------
# Sync backend and remote kernel


# The backend's secret lives beside its data, readable by this user only, as wrangler reads it.
SECRET_FILE = "livecomplete-secret.env"
SECRET_VARIABLE = "LIVECOMPLETE_SYNC_SECRET"
# Where a remote kernel finds its token (never on its command line, which `ps` shows).
TOKEN_VARIABLE = "LIVECOMPLETE_SYNC_TOKEN"
DEFAULT_TOKEN_HOURS = 24 * 7


def sync_secret(data: Path) -> str:
    """The sync backend's secret kept in `data` (made the first time; BuildError if it cannot be)."""
    path = data / SECRET_FILE
    try:
        data.mkdir(parents=True, exist_ok=True)
        if path.exists():
            for line in path.read_text().splitlines():
                name, _, value = line.partition("=")
                if name.strip() == SECRET_VARIABLE and value.strip():
                    return value.strip()
        secret = _pure_module("access").new_secret()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(f"{SECRET_VARIABLE}={secret}\n")
        return secret
    except OSError as error:
        raise BuildError(f"cannot keep the sync backend's secret in {path} ({error.strerror}); try another --data") from None


def mint_token(data: Path, notebook_id: str, role: str, hours: float = DEFAULT_TOKEN_HOURS) -> str:
    """A token for `notebook_id` signed with the secret in `data`; BuildError names a bad argument."""
    naming = _pure_module("naming")
    if not re.fullmatch(naming.NOTEBOOK_ID_PATTERN, notebook_id) or notebook_id.endswith(naming.COMPLETIONS_SUFFIX):
        raise BuildError(f"{notebook_id!r} is not a notebook id (letters, digits, '.', '_', '-'; at most 100)")
    if not hours > 0:
        raise BuildError(f"--hours must be more than 0; got {hours}")
    try:
        return _pure_module("access").mint_token(sync_secret(data), notebook_id, role, int(time.time() + hours * 3600))
    except ValueError as error:
        raise BuildError(str(error)) from None


def sync_backend_command(host: str, port: int, state: Path = SYNC_STATE) -> list[str]:
    """wrangler dev running the sync backend (web/sync/) locally, offline, on host:port, with the
    secret in `state` (`sync_secret` makes it)."""
    return [
        str(WEB / "node_modules" / ".bin" / "wrangler"), "dev",
        "--config", str(SYNC_WORKER / "wrangler.toml"),
        "--ip", host, "--port", str(port), "--local", "--persist-to", str(state),
        "--env-file", str(state / SECRET_FILE),
        "--show-interactive-dev-session=false",
    ]


# wrangler would send usage metrics, fetch a `Request.cf` sample from Cloudflare and, printing its
# banner, ask npm for a newer version of itself: not offline.
SYNC_ENV = {"WRANGLER_SEND_METRICS": "false", "CI": "true", "CLOUDFLARE_CF_FETCH_ENABLED": "false",
            "WRANGLER_HIDE_BANNER": "true"}


def sync(host: str, port: int, data: Path = SYNC_STATE, notebook_id: str = "demo") -> int:
    require_node()
    print("[1/1] JS dependencies (npm ci) ...", end=" ", flush=True)
    print("done" if js_dependencies() else "up to date", flush=True)
    write_facts()
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(f"cannot keep the sync backend's data in {data} ({error.strerror}); try another --data") from None
    sync_secret(data)
    tokens = {role: mint_token(data, notebook_id, role) for role in ("write", "read", "kernel")}
    print(f"starting the sync backend (wrangler dev, data in {data}) ...", flush=True)
    process = subprocess.Popen(
        sync_backend_command(host, port, data.resolve()), cwd=SYNC_WORKER, env={**os.environ, **SYNC_ENV},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"ws://{host}:{port}"
    page = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/?notebook={notebook_id}&sync={url}#token="
    try:
        for line in process.stdout:
            print(f"  wrangler: {line.rstrip()}", flush=True)
            if "Ready on" in line:
                print(
                    f"sync backend listening on {url}  (Ctrl+C stops)\n"
                    f"notebook {notebook_id!r}, tokens valid {DEFAULT_TOKEN_HOURS // 24} days "
                    f"(`python3 build.py token` makes others; the secret is in {data / SECRET_FILE}):\n"
                    f"  edit:      {page}{tokens['write']}\n"
                    f"  read only: {page}{tokens['read']}\n"
                    f"  kernel:    {TOKEN_VARIABLE}={tokens['kernel']} "
                    f"python3 build.py kernel --notebook {notebook_id} --sync {url}",
                    flush=True,
                )
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()


def remote_kernel_command(notebook_id: str, sync_url: str, *extra: str) -> list[str]:
    """Node running web/node/remote-kernel.js (needs `build()` first: it loads dist/wheels)."""
    node = shutil.which("node") or "node"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    # Node 22 has WebSocket built in; 20 has it behind a flag (LiveStore's sync client needs it).
    flags = ["--experimental-websocket"] if int(version.lstrip("v").split(".")[0] or 0) < 22 else []
    return [node, *flags, str(WEB / "node" / "remote-kernel.js"), "--notebook", notebook_id, "--sync", sync_url, *extra]


def kernel(notebook_id: str, sync_url: str, extra: list[str]) -> int:
    build()
    try:
        return subprocess.run(remote_kernel_command(notebook_id, sync_url, *extra), cwd=ROOT).returncode
    except KeyboardInterrupt:
        return 0


# ---------------------------------------------------------------------------------------------
# Testing


def find_chromium() -> str:
    explicit = os.environ.get("LIVECOMPLETE_CHROMIUM")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise BuildError(f"LIVECOMPLETE_CHROMIUM={explicit} is not an executable file.")
        return explicit
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BuildError(
        "No Chromium found for the browser tests. Install Debian's package "
        "(`sudo apt-get update && sudo apt-get install -y chromium`) or point "
        "LIVECOMPLETE_CHROMIUM at a Chromium or Chrome executable."
    )


def venv_python() -> Path:
    return VENV / "bin" / "python"


def test_environment(extras: tuple[str, ...] = ("test",)) -> None:
    """.venv with the project's optional dependencies `extras` (from pyproject.toml)."""
    requirements = [r for extra in extras for r in project()["project"]["optional-dependencies"][extra]]
    fingerprint_input = [ROOT / "pyproject.toml"]
    step = "-".join((*extras, "venv"))
    if venv_python().exists() and fresh(step, fingerprint_input):
        print(f"{' and '.join(extras)} environment .venv ... up to date", flush=True)
        return
    print(f"{' and '.join(extras)} environment .venv ... installing {', '.join(requirements)}", flush=True)
    if not venv_python().exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    run([str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", *requirements], quiet=True)
    stamp(step, fingerprint_input)


def test(pytest_args: list[str]) -> int:
    chromium = find_chromium()
    build()
    test_environment()
    env = {**os.environ, "LIVECOMPLETE_CHROMIUM": chromium}
    return subprocess.run([str(venv_python()), "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode


BENCHMARKS = {
    "latency": "popup_latency.py", "start": "start_trace.py", "cleanup": "cleanup_round.py", "load": "load_burst.py",
    "sync": "sync_latency.py", "signature": "signature_latency.py", "notebook": "notebook_latency.py",
    "modules": "first_module.py",
    "typists": "two_typists.py", "typing": "typing_cost.py",
}


def bench(bench_args: list[str]) -> int:
    """Run one benchmark; when it succeeds, its headline figures replace its rows in docs/figures.md."""
    name, *rest = bench_args or ["latency"]
    if name not in BENCHMARKS:
        raise BuildError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    chromium = find_chromium()
    build()
    test_environment(("test", "bench"))
    env = {**os.environ, "LIVECOMPLETE_CHROMIUM": chromium}
    script = ROOT / "bench" / BENCHMARKS[name]
    started = time.time()
    returncode = subprocess.run([str(venv_python()), str(script), *rest], cwd=ROOT, env=env).returncode
    if returncode != 0:
        return returncode
    figures = _pure_module("figures", ROOT / "bench")
    table = ROOT / "docs" / "figures.md"
    rows = figures.record(name, rest, ROOT / "bench-results", table, since=started)
    if rows is None:
        print(f"figures: no new result in bench-results/ for {name}; {table.relative_to(ROOT)} unchanged")
    else:
        print(f"figures: {table.relative_to(ROOT)} ({len(rows)} rows for {name})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build dist/ (skipping steps that are up to date)")
    serve_parser = commands.add_parser("serve", help="build, then serve the notebook page")
    serve_parser.add_argument("--host", default=DEFAULT_HOST)
    serve_parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    commands.add_parser("test", help="build, set up .venv, run every test (other arguments go to pytest)")
    commands.add_parser(
        "bench", help="run a benchmark: `bench latency [--runs N]` (keystroke -> popup), "
        "`bench start [--visits N]` (where a revisit's start goes, traced), "
        "`bench cleanup [--stores N]` (a cleanup round), `bench load [--burst N]` (a burst, memory), "
        "`bench sync [--rounds N] [--stores opfs,memory]` (through the sync backend, per layer), "
        "`bench signature [--rounds N]` (`(` -> signature tooltip), `bench modules [--visits N]` (a module's "
        "first completion), `bench typists [--rounds N]` (two people through a remote kernel), "
        "`bench typing [--rounds N]` (requests and bytes per 100 keys typed)")
    sync_parser = commands.add_parser("sync", help="run the sync backend (LiveStore sync-cf under wrangler) locally")
    sync_parser.add_argument("--host", default=DEFAULT_HOST)
    sync_parser.add_argument("--port", type=int, default=DEFAULT_SYNC_PORT)
    sync_parser.add_argument("--data", type=Path, default=SYNC_STATE,
                             help="where the backend keeps its stores and secret (default: build/sync-state)")
    sync_parser.add_argument("--notebook", default="demo", help="the notebook to print tokens for (default: demo)")
    token_parser = commands.add_parser("token", help="print a token for a notebook on the local sync backend")
    token_parser.add_argument("--notebook", required=True, help="the notebook id (as in the page's URL)")
    token_parser.add_argument("--role", choices=("read", "write", "kernel"), default="write")
    token_parser.add_argument("--hours", type=float, default=DEFAULT_TOKEN_HOURS,
                              help=f"how long it stays valid (default: {DEFAULT_TOKEN_HOURS})")
    token_parser.add_argument("--data", type=Path, default=SYNC_STATE, help="the backend's --data (default: build/sync-state)")
    kernel_parser = commands.add_parser(
        "kernel", help="run a remote kernel serving a notebook's completions through a sync backend "
        "(its token in LIVECOMPLETE_SYNC_TOKEN or --token-file PATH; also --kernel-id ID, --lease-ms MS, --idle-after-ms MS, --options JSON)")
    kernel_parser.add_argument("--notebook", required=True, help="the notebook id (as in the page's URL)")
    kernel_parser.add_argument("--sync", required=True, help="the sync backend, e.g. ws://127.0.0.1:8787")
    # `test`, `bench` and `kernel` pass everything after them on (pytest's, the benchmark's, node's).
    args, passthrough = parser.parse_known_args(argv)
    if passthrough and args.command not in ("test", "bench", "kernel"):
        parser.error(f"unrecognized arguments: {' '.join(passthrough)}")
    try:
        if args.command == "build":
            build()
        elif args.command == "serve":
            serve(args.host, args.port)
        elif args.command == "test":
            return test(passthrough)
        elif args.command == "bench":
            return bench(passthrough)
        elif args.command == "sync":
            return sync(args.host, args.port, args.data, args.notebook)
        elif args.command == "token":
            print(mint_token(args.data, args.notebook, args.role, args.hours))
        elif args.command == "kernel":
            return kernel(args.notebook, args.sync, passthrough)
    except BuildError as error:
        print(f"\nbuild.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
