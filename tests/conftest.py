"""Test ordering shared by the unit and browser suites."""

from pathlib import Path


def pytest_collection_modifyitems(items):
    # Playwright's sync API keeps an asyncio loop running in the main thread once it starts, and
    # asyncio tests cannot start their own loop inside it: run every unit test before the first
    # browser test, however the run was asked for.
    items.sort(key=lambda item: Path(item.fspath).parent.name == "browser")
