"""The prober actor: a pass on demand over local deckies, results stored and counted."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from cluster.bootstrap import ensure_worker, stop_worker
from decnet.config import Settings
from decnet.db import get_repository
from decnet.engine.local import LocalBackend
from decnet.engine.reconcile import decky_record
from decnet.fleet.planner import plan_fleet
from decnet.prober.store import latest_summaries

HOST = "probehost"

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


async def _desire(settings: Settings) -> list[str]:
    fleet = plan_fleet(
        deckies=2, subnet="127.86.0.0/24", services="http", backend="local", seed="d5" * 32, name_prefix="prb"
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
                backend="local",
            )
    finally:
        await repo.close()
    return [d.name for d in fleet.deckies]


async def _summaries(settings: Settings) -> dict[str, tuple[float, bool]]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        return {s.decky: (s.score, s.flagged) for s in await latest_summaries(repo)}
    finally:
        await repo.close()


@pytest.mark.timeout(300)
def test_a_pass_on_demand_is_stored_and_counted(ray_cluster: None, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / "run" / "ingest.sock",
        log_target=f"file:{tmp_path / 'decnet.log'}",
    )
    names = asyncio.run(_desire(settings))
    backend = LocalBackend(settings.data_dir / "engine" / "local")
    agent = ensure_worker("fleet_agent", settings, HOST)
    try:
        ray.get(agent.reconcile_now.remote(60), timeout=90)
        stop_worker("fleet_agent", HOST)  # or it would bring the next decky back
        backend.teardown(names[1])  # the second decky is down: its ports fail
        prober = ensure_worker("prober", settings)
        last = ray.get(prober.probe_now.remote(120), timeout=180)
        assert sorted(last["scores"]) == sorted(names)
        assert names[1] in last["flagged"]  # (names[0] too if this host listens on 0.0.0.0 in the sample)
        summaries = asyncio.run(_summaries(settings))
        assert summaries[names[1]][1] is True and summaries[names[1]][0] < 1.0
        counters = ray.get(prober.check_health.remote(), timeout=30)["counters"]
        assert counters["passes"] >= 1 and counters["flagged"] >= 1 and counters["failed_checks"] >= 2
    finally:
        stop_worker("prober")
        stop_worker("fleet_agent", HOST)
        for decky in backend.deployed():
            backend.teardown(decky)
