"""The names every part of livecomplete agrees on: a notebook id's alphabet, a notebook's
completion store id, and the OPFS directory LiveStore keeps a store in.

The one source of these facts: build.py generates them for the page's JavaScript (web/src/facts.js),
and the cleanup recognizes the directories it may remove by them.
"""

from __future__ import annotations

__all__ = [
    "COMPLETIONS_SUFFIX",
    "NOTEBOOK_ID_PATTERN",
    "STORE_DIRECTORY_PREFIX",
    "completion_store_directory",
    "completion_store_id",
]

# A notebook id: it becomes a store id and an OPFS directory name, so a safe alphabet. The page
# also refuses an id that ends in COMPLETIONS_SUFFIX: its main store would then look like another
# notebook's completion store, which the cleanup removes.
NOTEBOOK_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
# The completion store of notebook `id` is `${id}-completions`, as the proposal names it.
COMPLETIONS_SUFFIX = "-completions"
# LiveStore keeps store `s` in the OPFS root directory `livestore-<s>@<storage format version>`.
STORE_DIRECTORY_PREFIX = "livestore-"


def completion_store_id(notebook_id: str) -> str:
    return f"{notebook_id}{COMPLETIONS_SUFFIX}"


def completion_store_directory(notebook_id: str, version: int) -> str:
    return f"{STORE_DIRECTORY_PREFIX}{completion_store_id(notebook_id)}@{version}"
