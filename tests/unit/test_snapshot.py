"""What goes into a Pyodide memory snapshot, and what a restored one renews."""

import random
import sys

import pytest

from livecomplete import _snapshot


def test_page_snapshot_imports_the_pages_pure_modules():
    _snapshot.prepare("page")
    for name in _snapshot.PAGE_MODULES:
        assert name in sys.modules
    # Modules that reach JavaScript at import time stay out: under Node they would bind to it.
    assert not any(name.startswith("livecomplete._browser") for name in _snapshot.PAGE_MODULES)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="no snapshot kind 'worker'"):
        _snapshot.prepare("worker")


def test_after_restore_reseeds_random():
    random.seed(1234)
    seeded = [random.random() for _ in range(3)]
    random.seed(1234)
    _snapshot.after_restore()
    assert [random.random() for _ in range(3)] != seeded


def test_after_restore_drops_repeated_path_entries_in_order(monkeypatch):
    monkeypatch.setattr(sys, "path", ["", "", "/lib/a", "/lib/b", "/lib/a"])
    _snapshot.after_restore()
    assert sys.path == ["", "/lib/a", "/lib/b"]


def test_precompiled_bytecode_is_used_without_checking_the_source(tmp_path, monkeypatch):
    # The snapshot's files are written back with an old mtime, so the bytecode must not be
    # checked against its source's mtime (or the page would compile it at every start).
    package = tmp_path / "precompiled_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("ANSWER = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    [written] = _snapshot.precompile(["precompiled_pkg.mod"])
    assert written.endswith(".pyc")
    (package / "mod.py").write_text("ANSWER = 'edited'\n")  # the bytecode stays what is used
    import precompiled_pkg.mod

    assert precompiled_pkg.mod.ANSWER == 42
    for name in ("precompiled_pkg.mod", "precompiled_pkg"):
        monkeypatch.delitem(sys.modules, name)


def test_the_modules_imported_after_a_restore_are_not_in_the_snapshot():
    assert not set(_snapshot.PAGE_MODULES) & set(_snapshot.PAGE_MODULES_AFTER_RESTORE)
    assert all(name.startswith("livecomplete._") for name in _snapshot.PAGE_MODULES_AFTER_RESTORE)


def test_every_module_the_page_imports_is_in_the_snapshot_or_precompiled():
    """A module left out is compiled at every start, on the busy page (a forgotten one cost ~0.2 s
    before the notebook showed)."""
    import ast
    from pathlib import Path

    package = Path(_snapshot.__file__).parent
    seen, todo = set(), ["_browser"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((package / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                todo.append(node.module)
    # In a process of its own: this one has imported every module already.
    import json
    import subprocess

    listed = subprocess.run(
        [sys.executable, "-c", "import json, sys; from livecomplete import _snapshot; _snapshot.prepare('page'); "
         "print(json.dumps([n for n in sys.modules if n.startswith('livecomplete.')]))"],
        capture_output=True, text=True, check=True, cwd=package.parent,
    )
    in_snapshot = {name.removeprefix("livecomplete.") for name in json.loads(listed.stdout)}
    precompiled = {name.removeprefix("livecomplete.") for name in _snapshot.PAGE_MODULES_AFTER_RESTORE}
    assert not seen - in_snapshot - precompiled
