"""The correlator actor on a local Ray cluster: one copy however often it is asked for, and the
same sessions, attackers, credentials and hops as a clean in-process run after its process is
SIGKILLed mid-batch (twice) and Ray restarts it."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray

from actors.correlator import CorrelatorActor
from cluster.bootstrap import ensure_worker, floating_workers, settings_payload, stop_worker
from cluster.health import ray_actors
from cluster.placement import actor_options
from decnet.config import Settings
from decnet.db import get_repository
from decnet.events.model import Event
from decnet.intel import Correlator
from tests.decnet.intel import corpora
from tests.decnet.intel.snapshot import snapshot


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """One local Ray instance for the module."""
    ray.init(address="local", num_cpus=1, namespace="decnet", include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def make_settings(tmp_path: Path, name: str) -> Settings:
    return Settings(data_dir=tmp_path / name, log_target=f"file:{tmp_path / (name + '.log')}")


def corpus() -> list[Event]:
    """The merged scenarios plus forty short brute forces: some 800 events, 48 attackers."""
    events = corpora.merged().ordered()
    for n in range(40):
        for e in corpora.hydra_ssh(ip=f"192.0.2.{100 + n}", start=n * 7.0).events[:12]:
            e.eid = f"x{n}-{e.eid}"
            events.append(e)
    return sorted(events, key=lambda e: (e.timestamp, e.eid))


async def _clean(settings: Settings, events: list[Event]) -> dict[str, Any]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        await repo.add_events(events)
        await Correlator(repo).run_until_idle()
        return await snapshot(repo)
    finally:
        await repo.close()


async def _state(settings: Settings) -> tuple[int, int]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        state = await repo.get_worker_state("correlator")
        return (int(state.cursor) if state else 0), await repo.max_event_id()
    finally:
        await repo.close()


async def _load(settings: Settings, events: list[Event]) -> None:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        await repo.add_events(events)
    finally:
        await repo.close()


async def _snapshot(settings: Settings) -> dict[str, Any]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        return await snapshot(repo)
    finally:
        await repo.close()


def test_asking_twice_gives_one_correlator_and_up_starts_it(ray_cluster: None, tmp_path: Path) -> None:
    assert {"correlator", "profiler"} <= set(floating_workers())
    settings = make_settings(tmp_path, "once")
    first = ensure_worker("correlator", settings)
    try:
        second = ensure_worker("correlator", settings)
        assert ray.get(first.pid.remote()) == ray.get(second.pid.remote())
        assert [n for n in ray_actors() if n == "correlator"] == ["correlator"]
        health = ray.get(first.check_health.remote())
        assert health["ready"] and health["name"] == "correlator"
    finally:
        assert stop_worker("correlator")


@pytest.mark.timeout(180)
def test_sigkill_mid_batch_gives_the_clean_result(ray_cluster: None, tmp_path: Path) -> None:
    events = corpus()
    clean = asyncio.run(_clean(make_settings(tmp_path, "clean"), events))
    settings = make_settings(tmp_path, "chaos")
    asyncio.run(_load(settings, events))
    total = len(events)
    options = actor_options("correlator")
    actor = CorrelatorActor.options(**options).remote(settings_payload(settings), batch_size=2, poll_s=0.05)
    kills = 0
    try:
        assert ray.get(actor.wait_ready.remote(60))
        deadline = time.monotonic() + 120
        for fraction in (0.25, 0.6):
            while asyncio.run(_state(settings))[0] < total * fraction:
                assert time.monotonic() < deadline, "the correlator made no progress"
                time.sleep(0.02)
            os.kill(ray.get(actor.pid.remote(), timeout=30), signal.SIGKILL)
            kills += 1
        while True:
            cursor, newest = asyncio.run(_state(settings))
            if cursor == newest:
                break
            assert time.monotonic() < deadline, f"stuck at {cursor}/{newest}"
            time.sleep(0.1)
        assert ray_actors()["correlator"]["restarts"] >= kills == 2
        assert asyncio.run(_snapshot(settings)) == clean
        counters = ray.get(actor.counters.remote(), timeout=30)
        assert counters["events"] == total  # counted once, in the committed transactions
    finally:
        stop_worker("correlator")
