"""build.py's own behaviour that a new user meets before any browser runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_test_command_without_chromium_says_how_to_install_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LIVECOMPLETE_CHROMIUM"}
    env["PATH"] = str(tmp_path)  # nothing on PATH: no chromium (python is called by full path)
    result = subprocess.run([sys.executable, "build.py", "test"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "No Chromium found for the browser tests" in result.stderr
    assert "apt-get install -y chromium" in result.stderr


def test_a_wrong_chromium_path_is_named(tmp_path):
    env = {**os.environ, "LIVECOMPLETE_CHROMIUM": str(tmp_path / "nope")}
    result = subprocess.run([sys.executable, "build.py", "test"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert f"LIVECOMPLETE_CHROMIUM={tmp_path / 'nope'} is not an executable file" in result.stderr


def test_missing_node_is_named_with_how_to_get_it(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "build.py", "build"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "node and npm not found" in result.stderr
    assert "Node.js 20+" in result.stderr


def test_livecomplete_wheel_is_installable_and_complete(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        import build
    finally:
        sys.path.pop(0)
    sources = sorted((ROOT / "py" / "livecomplete").rglob("*.py"))
    wheel = tmp_path / "livecomplete-0.1.0-py3-none-any.whl"
    build.write_wheel(wheel, "livecomplete", "0.1.0", ">=3.11", sources)
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "livecomplete/client.py" in names and "livecomplete-0.1.0.dist-info/RECORD" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True)
    check = subprocess.run([sys.executable, "-c", "import livecomplete; print(livecomplete.__file__)"],
                           cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True)
    assert str(target) in check.stdout


def test_large_runtime_files_are_served_gzip_encoded_to_browsers_that_accept_it(tmp_path):
    import gzip
    import threading
    import urllib.request

    sys.path.insert(0, str(ROOT))
    try:
        import build
    finally:
        sys.path.pop(0)
    heap = bytes(100_000) + b"heap"
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "kernel.bin").write_bytes(heap)
    build.write_gzip(tmp_path / "snapshots" / "kernel.bin")
    (tmp_path / "index.html").write_text("<p>page</p>")
    build.write_gzip(tmp_path / "index.html")  # not a file to precompress: served as it is
    server = build.make_server("127.0.0.1", 0, root=tmp_path)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def get(path, **headers):
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as response:
            return response.headers, response.read()

    try:
        headers, body = get("/snapshots/kernel.bin", **{"Accept-Encoding": "gzip, deflate"})
        assert headers["Content-Encoding"] == "gzip"
        assert headers["Content-Type"] == "application/octet-stream"
        assert len(body) < len(heap) // 10 and gzip.decompress(body) == heap
        headers, body = get("/snapshots/kernel.bin")  # a client that does not take gzip
        assert headers["Content-Encoding"] is None and body == heap
        headers, body = get("/index.html", **{"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] is None and body == b"<p>page</p>"
    finally:
        server.shutdown()


def test_the_page_gets_its_shared_facts_generated_from_their_python_source():
    sys.path.insert(0, str(ROOT))
    import build
    from livecomplete import naming
    from livecomplete.limits import STORED_LIMITS
    from livecomplete.options import Options

    facts = build.facts()
    assert facts["optionDefaults"] == Options().to_mapping()
    assert (facts["notebookIdPattern"], facts["completionsSuffix"], facts["storeDirectoryPrefix"]) == (
        naming.NOTEBOOK_ID_PATTERN, naming.COMPLETIONS_SUFFIX, naming.STORE_DIRECTORY_PREFIX)
    assert facts["storedLimits"] == STORED_LIMITS
    assert not re.search(r"\b(1000|4000|400)\b", (build.WEB / "src" / "schema.js").read_text())
    # Written in no string or pattern elsewhere in the JavaScript: facts.js is their door.
    for script in [*(build.WEB / "src").glob("*.js"), *(build.WEB / "node").glob("*.js"), *(build.WEB / "sync").glob("*.js")]:
        if script.name != "facts.js":
            lines = script.read_text().splitlines()
            text = "\n".join(line for line in lines if not line.lstrip().startswith(("//", "*", "/**")))
            assert not re.search(r"""['"`/]-completions|-completions['"`]""", text), script.name
            assert naming.NOTEBOOK_ID_PATTERN not in text, script.name


def test_sync_data_that_cannot_be_kept_is_named_with_what_to_do(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = subprocess.run([sys.executable, "build.py", "sync", "--data", str(blocker / "state")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"cannot keep the sync backend's data in {blocker / 'state'}" in result.stderr
    assert "try another --data" in result.stderr
