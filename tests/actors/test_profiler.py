"""The profiler actor on a local Ray cluster: the same profiles, techniques and history as a
clean in-process run after its process is SIGKILLed mid-batch (twice) and Ray restarts it;
with DECNET_EMBED_PROFILER it is pinned to the web host."""

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

from actors.profiler import ProfilerActor
from cluster.bootstrap import ensure_worker, local_host, settings_payload, stop_worker
from cluster.health import ray_actors
from cluster.placement import actor_options
from decnet.config import Settings
from decnet.db import get_repository
from decnet.events.model import Event
from decnet.intel import Correlator, Profiler
from tests.actors.test_correlator import corpus
from tests.decnet.intel.snapshot import snapshot

HOST = local_host()


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """One local Ray instance for the module, advertising this machine as the web/decky host."""
    ray.init(
        address="local",
        num_cpus=1,
        resources={f"decnet_host:{HOST}": 1},
        namespace="decnet",
        include_dashboard=False,
        log_to_driver=False,
    )
    try:
        yield
    finally:
        ray.shutdown()


def make_settings(tmp_path: Path, name: str, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path / name, log_target=f"file:{tmp_path / (name + '.log')}", **values)


async def _prepare(settings: Settings, events: list[Event], *, profile: bool) -> dict[str, Any] | None:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        await repo.add_events(events)
        await Correlator(repo).run_until_idle()
        if profile:
            await Profiler(repo).run_until_idle()
            return await snapshot(repo, profiles=True)
        return None
    finally:
        await repo.close()


async def _progress(settings: Settings) -> tuple[int, int]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        attackers = await repo.list_attackers(limit=10_000)
        return sum(1 for a in attackers if a.profile is not None), len(attackers)
    finally:
        await repo.close()


async def _done(settings: Settings) -> bool:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        state = await repo.get_worker_state("profiler")
        newest = max((a.last_event_id or 0 for a in await repo.list_attackers(limit=10_000)), default=0)
        return state is not None and int(state.cursor) == newest
    finally:
        await repo.close()


async def _snapshot(settings: Settings) -> dict[str, Any]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        return await snapshot(repo, profiles=True)
    finally:
        await repo.close()


def test_embed_mode_pins_the_profiler_to_the_web_host(ray_cluster: None, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "embed", embed_profiler=True)
    handle = ensure_worker("profiler", settings)
    try:
        assert ray.get(handle.check_health.remote())["ready"]
        info = ray_actors()["profiler"]
        assert info["state"] == "ALIVE"
        deadline = time.monotonic() + 10
        # the pin (0.01 of the host) is taken by the profiler
        while ray.available_resources().get(f"decnet_host:{HOST}", 1.0) >= 1.0:
            assert time.monotonic() < deadline, "the profiler does not hold the web host's resource"
            time.sleep(0.1)
    finally:
        assert stop_worker("profiler")


@pytest.mark.timeout(180)
def test_sigkill_mid_batch_gives_the_clean_result(ray_cluster: None, tmp_path: Path) -> None:
    events = corpus()
    clean = asyncio.run(_prepare(make_settings(tmp_path, "clean"), events, profile=True))
    settings = make_settings(tmp_path, "chaos")
    asyncio.run(_prepare(settings, events, profile=False))
    actor = ProfilerActor.options(**actor_options("profiler")).remote(
        settings_payload(settings), batch_size=1, poll_s=0.05
    )
    try:
        assert ray.get(actor.wait_ready.remote(60))
        deadline = time.monotonic() + 120
        for fraction in (0.25, 0.6):
            while True:
                done, total = asyncio.run(_progress(settings))
                if done >= total * fraction:
                    break
                assert time.monotonic() < deadline, "the profiler made no progress"
                time.sleep(0.02)
            os.kill(ray.get(actor.pid.remote(), timeout=30), signal.SIGKILL)
        while not asyncio.run(_done(settings)):
            assert time.monotonic() < deadline, "the profiler never caught up"
            time.sleep(0.1)
        assert ray_actors()["profiler"]["restarts"] >= 2
        assert asyncio.run(_snapshot(settings)) == clean
    finally:
        stop_worker("profiler")
