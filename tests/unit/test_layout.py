"""docs/layout.md matches the tree: what it names exists, and every module of py/ and web/src/ is named."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = (ROOT / "docs" / "layout.md").read_text()
ROWS = {row.split("|")[1].strip(): row.split("|")[2] for row in LAYOUT.splitlines() if row.startswith("| `")}


def named(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


def test_every_folder_or_file_in_the_first_column_exists():
    paths = {path for cell in ROWS for path in named(cell)}
    assert paths, "no rows found in docs/layout.md"
    assert [path for path in paths if not (ROOT / path).exists()] == []


def test_every_web_src_module_is_named_and_every_name_is_a_module():
    modules = {path.name for path in (ROOT / "web" / "src").iterdir() if path.suffix in (".js", ".css")}
    names = {name for name in named(ROWS["`web/src/`"]) if name.endswith((".js", ".css"))}
    # The LiveStore workers are named as a group.
    unnamed = {name for name in modules - names if not name.endswith(".worker.js")}
    assert unnamed == set()
    assert names - modules == set()


def test_every_python_module_is_named():
    modules = {path.stem for path in (ROOT / "py" / "livecomplete").glob("*.py") if path.stem != "__init__"}
    assert modules - named(ROWS["`py/livecomplete/`"]) == set()


def test_every_example_file_is_named():
    files = {path.name for path in (ROOT / "examples").iterdir()} - {"example.css"}
    assert files - named(ROWS["`examples/`"]) == set()
