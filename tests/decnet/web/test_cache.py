"""``Refreshing``: a value reused for its time-to-live, refreshed once at a time, stale while refreshing."""

from __future__ import annotations

import asyncio

import pytest

from decnet.web.cache import Refreshing


class Source:
    """Counts computations; each one can be held until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def __call__(self) -> int:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("database down")
        return self.calls


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_reused_within_ttl_then_refreshed_in_background() -> None:
    source, clock = Source(), Clock()
    cache = Refreshing(source, 1.0, max_stale_s=10.0, clock=clock)
    assert await cache.get() == 1
    clock.now += 0.5
    assert await cache.get() == 1 and source.calls == 1
    clock.now += 1.0
    source.gate = asyncio.Event()
    assert await cache.get() == 1  # stale, served at once while the refresh runs
    await asyncio.sleep(0)
    assert await cache.get() == 1 and source.calls == 2  # one refresh at a time
    source.gate.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await cache.get() == 2 and source.calls == 2


async def test_concurrent_first_calls_share_one_computation() -> None:
    source = Source()
    source.gate = asyncio.Event()
    cache = Refreshing(source, 1.0)
    waiting = [asyncio.ensure_future(cache.get()) for _ in range(10)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*waiting) == [1] * 10
    assert source.calls == 1


async def test_too_stale_values_are_waited_for() -> None:
    source, clock = Source(), Clock()
    cache = Refreshing(source, 1.0, max_stale_s=5.0, clock=clock)
    assert await cache.get() == 1
    clock.now += 6.0
    assert await cache.get() == 2


async def test_zero_ttl_computes_every_time() -> None:
    source = Source()
    cache = Refreshing(source, 0.0)
    assert [await cache.get() for _ in range(3)] == [1, 2, 3]


async def test_failures_reach_the_waiter_and_are_retried() -> None:
    source, clock = Source(), Clock()
    cache = Refreshing(source, 1.0, clock=clock)
    source.fail = True
    with pytest.raises(RuntimeError, match="database down"):
        await cache.get()
    source.fail = False
    assert await cache.get() == 2


async def test_failed_background_refresh_keeps_the_old_value(caplog: pytest.LogCaptureFixture) -> None:
    source, clock = Source(), Clock()
    cache = Refreshing(source, 1.0, clock=clock)
    assert await cache.get() == 1
    clock.now += 2.0
    source.fail = True
    assert await cache.get() == 1
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert "refresh failed" in caplog.text
    source.fail = False
    assert await cache.get() == 1  # still stale: a new refresh starts
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await cache.get() == 3


async def test_invalidate_and_bad_arguments() -> None:
    source = Source()
    cache = Refreshing(source, 1.0)
    assert await cache.get() == 1
    cache.invalidate()
    assert await cache.get() == 2
    with pytest.raises(ValueError):
        Refreshing(source, -1.0)
    with pytest.raises(ValueError):
        Refreshing(source, 5.0, max_stale_s=1.0)
