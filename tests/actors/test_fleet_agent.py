"""The fleet agent actor: converges the desired fleet (local backend), also when it is
SIGKILLed in the middle of a deploy, and removes what is marked absent."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from cluster.bootstrap import ensure_worker, stop_worker
from cluster.health import ray_actors
from decnet.config import Settings
from decnet.db import get_repository
from decnet.engine.local import LocalBackend
from decnet.engine.reconcile import decky_record, request_teardown
from decnet.fleet.planner import plan_fleet

HOST = "agenthost"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="deckies bind port 80 on 127.x (root)")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    ray.init(
        address="local",
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


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / "run" / "ingest.sock",
        log_target=f"file:{tmp_path / 'decnet.log'}",
    )


async def _desire(settings: Settings, n: int) -> list[str]:
    fleet = plan_fleet(
        deckies=n,
        subnet="127.78.0.0/24",
        services="http",
        backend="local",
        seed="88" * 32,
        name_prefix="agent",
    )
    repo = get_repository(settings)
    await repo.initialize()
    try:
        for spec in fleet.deckies:
            await repo.upsert_decky(
                spec.name,
                host=HOST,
                spec=decky_record(spec, fleet, None),
                ip=spec.ip,
                mac=spec.mac,
                hostname=spec.hostname,
                backend="local",
            )
    finally:
        await repo.close()
    return [spec.name for spec in fleet.deckies]


async def _actual(settings: Settings) -> dict[str, str]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        return {d.name: d.actual_state for d in await repo.list_deckies(host=HOST)}
    finally:
        await repo.close()


@pytest.mark.timeout(300)
def test_agent_converges_even_when_killed_mid_deploy(ray_cluster: None, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    names = asyncio.run(_desire(settings, 4))
    backend = LocalBackend(settings.data_dir / "engine" / "local")
    agent = ensure_worker("fleet_agent", settings, HOST)
    try:
        # Kill the agent as soon as its first decky is up: the rest is left undone.
        deadline = time.monotonic() + 60
        while not backend.deployed():
            assert time.monotonic() < deadline, "the agent never started deploying"
            time.sleep(0.02)
        os.kill(ray.get(agent.pid.remote()), signal.SIGKILL)
        # Ray restarts it; its next passes converge on the desired fleet.
        deadline = time.monotonic() + 120
        while True:
            actual = asyncio.run(_actual(settings))
            if all(actual.get(name) == "running" for name in names):
                break
            assert time.monotonic() < deadline, f"fleet did not converge: {actual}"
            time.sleep(0.5)
        assert sorted(backend.deployed()) == sorted(names)
        assert all(backend.status(name).state == "running" for name in names)
        assert ray_actors()[f"fleet_agent:{HOST}"]["restarts"] >= 1

        # Marked absent: torn down and forgotten.
        async def mark() -> list[str]:
            repo = get_repository(settings)
            await repo.initialize()
            try:
                return await request_teardown(repo, names[:2])
            finally:
                await repo.close()

        assert asyncio.run(mark()) == names[:2]
        ray.get(agent.reconcile_now.remote(120), timeout=180)
        assert sorted(backend.deployed()) == sorted(names[2:])
        assert sorted(asyncio.run(_actual(settings))) == sorted(names[2:])
    finally:
        stop_worker("fleet_agent", HOST)
        for name in backend.deployed():
            backend.teardown(name)
