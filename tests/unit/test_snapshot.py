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
