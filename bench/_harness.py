"""What every benchmark shares: the built page served on loopback in headless Chromium, figures
(median / p95 / max), and a JSON file of results in bench-results/."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import build  # noqa: E402
from conftest import CHROMIUM_ARGS  # noqa: E402
from notebook_page import NotebookPage  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, sync_playwright  # noqa: E402

__all__ = ["NotebookPage", "figures", "new_profile", "served_chromium", "write_results"]


def _chromium_path() -> str:
    return os.environ.get("LIVECOMPLETE_CHROMIUM") or build.find_chromium()


@contextlib.contextmanager
def served_chromium(extra_args: tuple[str, ...] = ()) -> Iterator[tuple[Browser, str]]:
    """(headless Chromium, base URL of dist/ served on a free loopback port)."""
    server = build.make_server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=_chromium_path(), args=[*CHROMIUM_ARGS, *extra_args])
            try:
                yield browser, f"http://127.0.0.1:{server.server_address[1]}"
            finally:
                browser.close()
    finally:
        server.shutdown()


@contextlib.contextmanager
def new_profile(browser: Browser, extra_args: tuple[str, ...] = ()) -> Iterator[BrowserContext]:
    """A browser context on a new profile on disk, as a person's browser is: its pages share an
    HTTP cache and compiled code (an incognito context, `browser.new_context()`, keeps no
    compiled WebAssembly, so every visit compiles Pyodide again)."""
    with tempfile.TemporaryDirectory(prefix="livecomplete-profile-") as directory:
        context = browser.browser_type.launch_persistent_context(
            directory, executable_path=_chromium_path(), args=[*CHROMIUM_ARGS, *extra_args], headless=True)
        try:
            yield context
        finally:
            context.close()


def figures(values: list[float]) -> dict[str, float] | None:
    """n, median, p95 (nearest rank) and max, in the values' unit; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "median": round(statistics.median(values), 1), "p95": round(p95, 1),
            "max": round(ordered[-1], 1)}


def write_results(name: str, data: dict) -> Path:
    out = ROOT / "bench-results" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return out.relative_to(ROOT)
