"""OPFS and Web Locks from the page's Python: the `cleanup.StorageRoot` the cleanup walks.

With `_browser`, the only modules that touch `js`. Everything returned is plain data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsException, create_once_callable, jsnull, to_js  # type: ignore[import-not-found]

from .cleanup import StoreInUse

__all__ = ["OpfsRoot", "run_exclusively", "storage_estimate"]

T = TypeVar("T")


class OpfsRoot:
    """The origin's OPFS root directory (`navigator.storage.getDirectory()`)."""

    async def _root(self) -> Any:
        return await js.navigator.storage.getDirectory()

    async def directory_names(self) -> list[str]:
        root = await self._root()
        names = []
        async for entry in root.entries():
            name, handle = entry[0], entry[1]
            if handle.kind == "directory":
                names.append(name)
        return names

    async def describe(self, name: str) -> tuple[float | None, int]:
        directory = await (await self._root()).getDirectoryHandle(name)
        return await _walk(directory)

    async def remove(self, name: str) -> None:
        try:
            await (await self._root()).removeEntry(name, recursive=True)
        except JsException as error:
            # A sync access handle (an open LiveStore store) anywhere inside blocks the removal;
            # the browser then removes nothing, so the store is intact.
            if getattr(error, "name", "") == "NoModificationAllowedError":
                raise StoreInUse(name) from None
            raise


async def _walk(directory: Any) -> tuple[float | None, int]:
    """(newest lastModified in ms, total bytes) of the files under `directory`."""
    handles = [entry[1] async for entry in directory.entries()]
    parts = await asyncio.gather(*(_describe_entry(handle) for handle in handles))
    dated = [newest for newest, _ in parts if newest is not None]
    return (max(dated) if dated else None), sum(size for _, size in parts)


async def _describe_entry(handle: Any) -> tuple[float | None, int]:
    if handle.kind == "directory":
        return await _walk(handle)
    file = await handle.getFile()
    return float(file.lastModified), int(file.size)


async def storage_estimate() -> dict[str, int | None]:
    """The origin's usage and quota in bytes (`navigator.storage.estimate()`)."""
    estimate = await js.navigator.storage.estimate()
    return {"usage": _int_or_none(estimate.usage), "quota": _int_or_none(estimate.quota)}


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value == js.undefined else int(value)


async def run_exclusively(lock_name: str, work: Callable[[], Awaitable[T]]) -> tuple[bool, T | None]:
    """Run `work` holding the origin-wide Web Lock `lock_name`; (False, None) if another holds it."""
    outcome: asyncio.Future[tuple[bool, T | None]] = asyncio.get_running_loop().create_future()

    async def holding(lock: Any) -> None:
        if lock is None or lock is jsnull:  # `ifAvailable` and another tab or worker has it
            outcome.set_result((False, None))
            return
        try:
            outcome.set_result((True, await work()))
        except BaseException as error:
            outcome.set_exception(error)

    # The lock is held until the promise the callback returns settles, i.e. until `work` ends.
    callback = create_once_callable(lambda lock: asyncio.ensure_future(holding(lock)))
    options = to_js({"ifAvailable": True}, dict_converter=js.Object.fromEntries)
    js.navigator.locks.request(lock_name, options, callback)
    return await outcome
