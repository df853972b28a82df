"""build.py's own behaviour that a new user meets before any browser runs."""

import os
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
