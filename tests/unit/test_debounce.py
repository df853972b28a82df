"""Latest-wins debouncing: a burst of keys in one cell becomes one request."""

import asyncio

from livecomplete.debounce import Debouncer


async def test_a_burst_lets_only_the_last_call_through():
    debouncer = Debouncer()
    calls = []
    for _ in range(5):
        calls.append(asyncio.ensure_future(debouncer.settle("cell-1", 20)))
        await asyncio.sleep(0.005)
    assert await asyncio.gather(*calls) == [False, False, False, False, True]


async def test_cells_debounce_independently():
    debouncer = Debouncer()
    first = asyncio.ensure_future(debouncer.settle("cell-1", 10))
    second = asyncio.ensure_future(debouncer.settle("cell-2", 10))
    assert await asyncio.gather(first, second) == [True, True]


async def test_supersede_makes_waiting_calls_moot():
    debouncer = Debouncer()
    waiting = asyncio.ensure_future(debouncer.settle("cell-1", 20))
    await asyncio.sleep(0)
    debouncer.supersede("cell-1")
    assert await waiting is False


async def test_a_cancelled_wait_does_not_block_the_next_call():
    debouncer = Debouncer()
    waiting = asyncio.ensure_future(debouncer.settle("cell-1", 50))
    await asyncio.sleep(0)
    waiting.cancel()
    assert await debouncer.settle("cell-1", 1) is True


async def test_calls_after_a_pause_each_go_through():
    debouncer = Debouncer()
    assert await debouncer.settle("cell-1", 5) is True
    assert await debouncer.settle("cell-1", 5) is True
