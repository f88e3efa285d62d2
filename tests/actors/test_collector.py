"""The collector actor on a local Ray cluster: one copy however often it is asked for, and
exactly every event stored while its process is SIGKILLed mid-stream."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from cluster.bootstrap import ensure_worker, get_worker, stop_worker
from cluster.health import ray_actors
from decnet.config import Settings
from decnet.db import get_repository
from decnet.events import Event
from decnet.events.sender import EventSender
from decnet.events.spool import Spool

HOST = "testhost"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """One local Ray instance for the module, advertising this test's decky host."""
    ray.init(
        address="local",  # a fresh instance, even if a constellation runs on this machine
        num_cpus=2,
        resources={f"decnet_host:{HOST}": 1},
        namespace="decnet",
        include_dashboard=False,
        log_to_driver=False,
    )
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / "run" / "ingest.sock",
        ingest_flush_ms=20,
        log_target=f"file:{tmp_path / 'decnet.log'}",
    )


def test_asking_twice_gives_one_collector(ray_cluster: None, settings: Settings) -> None:
    first = ensure_worker("collector", settings, HOST)
    try:
        second = ensure_worker("collector", settings, HOST)
        assert ray.get(first.pid.remote()) == ray.get(second.pid.remote())
        names = [name for name in ray_actors() if name == f"collector:{HOST}"]
        assert names == [f"collector:{HOST}"]
        health = ray.get(first.check_health.remote())
        assert health["ready"] and health["name"] == f"collector:{HOST}"
    finally:
        assert stop_worker("collector", HOST)
    assert get_worker("collector", HOST) is None


@pytest.mark.timeout(240)
def test_sigkill_three_times_while_streaming_20000_events_loses_and_duplicates_nothing(
    ray_cluster: None, settings: Settings, tmp_path: Path
) -> None:
    collector = ensure_worker("collector", settings, HOST)
    events = [
        Event.new("decky-01", "ssh", "auth", src_ip="10.1.2.3", fields={"n": str(i)}) for i in range(20_000)
    ]
    kills: list[float] = []

    async def stream() -> EventSender:
        sender = EventSender(
            f"unix:{settings.ingest_socket}",
            Spool(tmp_path / "spool", memory_items=50_000),
            reconnect_max_delay=0.2,
        )
        await sender.start()
        for i, event in enumerate(events):
            sender.send(event)
            if i % 500 == 0:
                await asyncio.sleep(0.01)  # a steady stream, not one burst
            if i in (4_000, 9_000, 14_000):
                pid = await asyncio.to_thread(lambda: ray.get(collector.pid.remote(), timeout=60))
                os.kill(pid, signal.SIGKILL)
                kills.append(time.monotonic())
        assert await sender.flush(timeout=120), f"{sender.pending} events never confirmed"
        await sender.stop()
        return sender

    try:
        sender = asyncio.run(stream())
        assert len(kills) == 3
        assert sender.stats.connects >= 2
        restarts = ray_actors()[f"collector:{HOST}"]["restarts"]
        assert restarts >= 3

        async def check() -> tuple[int, set[str]]:
            repo = get_repository(settings)
            await repo.initialize()
            try:
                stored = await repo.events_after(0, limit=50_000)
                return await repo.count_events(), {s.event.eid for s in stored}
            finally:
                await repo.close()

        count, eids = asyncio.run(check())
        assert count == len(events)
        assert eids == {e.eid for e in events}
        counters = ray.get(collector.flush.remote())
        assert counters["stored"] <= len(events)  # counted by the collector incarnations that saw them
    finally:
        stop_worker("collector", HOST)
