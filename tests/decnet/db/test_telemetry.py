"""Telemetry: counters, percentiles from a bounded reservoir, and what instrument() wraps."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from decnet.db.telemetry import RESERVOIR_SIZE, Telemetry, instrument


class Thing:
    def __init__(self) -> None:
        self.telemetry = Telemetry(seed=1)

    async def work(self, delay: float = 0.0) -> str:
        """Do some work."""
        await asyncio.sleep(delay)
        return "done"

    async def fail(self) -> None:
        raise KeyError("nope")

    def sync_method(self) -> int:
        return 1

    async def _private(self) -> None:
        return None


def test_percentiles_and_counters() -> None:
    telemetry = Telemetry()
    for ms in range(1, 101):  # 1..100 ms
        telemetry.record("q", ms / 1000, failed=ms % 10 == 0)
    stats = telemetry.snapshot()["q"]
    assert (stats.calls, stats.errors) == (100, 10)
    assert stats.p50_s == pytest.approx(0.050) and stats.p95_s == pytest.approx(0.095)
    assert stats.p99_s == pytest.approx(0.099) and stats.max_s == pytest.approx(0.100)
    assert stats.total_s == pytest.approx(5.050) and stats.mean_s == pytest.approx(0.0505)
    assert stats.to_dict()["calls"] == 100
    telemetry.reset()
    assert telemetry.snapshot() == {}


def test_reservoir_is_bounded_and_stays_representative() -> None:
    telemetry = Telemetry(seed=7)
    n = RESERVOIR_SIZE * 20
    for i in range(n):
        telemetry.record("q", i / n)  # uniform on [0, 1)
    recorder = telemetry._methods["q"]
    assert len(recorder.samples) == RESERVOIR_SIZE
    stats = telemetry.snapshot()["q"]
    assert stats.calls == n and stats.max_s == pytest.approx((n - 1) / n)
    assert 0.4 < stats.p50_s < 0.6 and 0.9 < stats.p95_s < 1.0


async def test_instrument_wraps_public_coroutine_methods_only() -> None:
    thing = instrument(Thing())
    assert await thing.work() == "done"
    await thing.work(delay=0.01)
    with pytest.raises(KeyError):
        await thing.fail()
    assert thing.sync_method() == 1
    await thing._private()
    snap = thing.telemetry.snapshot()
    assert set(snap) == {"work", "fail"}
    assert (snap["work"].calls, snap["work"].errors) == (2, 0)
    assert (snap["fail"].calls, snap["fail"].errors) == (1, 1)
    assert snap["work"].max_s >= 0.01
    assert thing.work.__doc__ == "Do some work." and "delay" in str(inspect.signature(thing.work))
    assert not hasattr(Thing.work, "__wrapped__")  # the class is untouched


async def test_cancellation_is_timed_but_not_an_error() -> None:
    thing = instrument(Thing())
    task = asyncio.create_task(thing.work(delay=10))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stats = thing.telemetry.snapshot()["work"]
    assert (stats.calls, stats.errors) == (1, 0)
