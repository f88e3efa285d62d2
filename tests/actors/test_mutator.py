"""The mutator actor with minutes compressed to seconds: it rotates a local decky on schedule and
its host's fleet agent (woken by it) redeploys the decky with the new services."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from actors.fleet_agent import RECONCILE_S
from cluster.bootstrap import ensure_worker, settings_payload, stop_worker
from cluster.operator import AgentFleetOperator
from cluster.placement import actor_options
from decnet.config import Settings
from decnet.db import get_repository
from decnet.engine.local import LocalBackend
from decnet.engine.reconcile import decky_record
from decnet.fleet.planner import plan_fleet

HOST = "muthost"

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


async def _desire(settings: Settings) -> str:
    fleet = plan_fleet(
        deckies=1, subnet="127.85.0.0/24", services="http", archetype="web-server", mutate_interval=2,
        backend="local", seed="c4" * 32, name_prefix="rot",
    )  # fmt: skip
    repo = get_repository(settings)
    await repo.initialize()
    try:
        spec = fleet.deckies[0]
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
    return spec.name


async def _mutations(settings: Settings) -> list[tuple[list[str], list[str], str]]:
    repo = get_repository(settings)
    await repo.initialize()
    try:
        return [(m.old_services, m.new_services, m.trigger) for m in await repo.list_mutations()]
    finally:
        await repo.close()


@pytest.mark.timeout(300)
def test_the_mutator_rotates_on_schedule_and_the_agent_applies_it(ray_cluster: None, tmp_path: Path) -> None:
    from actors.mutator import MutatorActor

    settings = Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / "run" / "ingest.sock",
        log_target=f"file:{tmp_path / 'decnet.log'}",
    )
    name = asyncio.run(_desire(settings))
    backend = LocalBackend(settings.data_dir / "engine" / "local")
    runtime = settings.data_dir / "deckies" / name / "runtime.json"
    agent = ensure_worker("fleet_agent", settings, HOST)
    mutator = None
    try:
        ray.get(agent.reconcile_now.remote(60), timeout=90)
        assert backend.status(name).state == "running"
        assert list(json.loads(runtime.read_text())["services"]) == ["http"]
        # 1 "minute" = 1 s: mutate_interval 2 -> a rotation every 2 s.
        mutator = MutatorActor.options(**actor_options("mutator")).remote(
            settings_payload(settings), unit_s=1.0, tick_s=0.25
        )
        assert ray.get(mutator.wait_ready.remote(30), timeout=60)
        deadline = time.monotonic() + 60
        while len(asyncio.run(_mutations(settings))) < 2:
            assert time.monotonic() < deadline, "the mutator did not rotate twice"
            time.sleep(0.25)
        mutations = asyncio.run(_mutations(settings))
        assert all(trigger == "scheduled" for *_, trigger in mutations)
        assert mutations[-1][0] == ["http"] and mutations[0][0] == mutations[-1][1]
        # The agent, woken by the mutator, converges on the newest set.
        deadline = time.monotonic() + 60
        while True:
            newest = asyncio.run(_mutations(settings))[0][1]
            if (
                list(json.loads(runtime.read_text())["services"]) == newest
                and backend.status(name).state == "running"
            ):
                break
            assert time.monotonic() < deadline, "the agent did not apply the mutation"
            time.sleep(0.25)
        health = ray.get(mutator.check_health.remote(), timeout=30)
        assert health["counters"]["mutations"] >= 2
        assert ray.get(agent.check_health.remote(), timeout=30)["counters"].get("redeployed", 0) >= 1

        # An operator's mutation through the fleet operator (what the API and the CLI use).
        ray.kill(mutator, no_restart=True)
        mutator = None
        outcome = asyncio.run(AgentFleetOperator(settings).mutate(name))
        assert outcome.trigger == "operator" and outcome.host == HOST
        deadline = time.monotonic() + 60
        while list(json.loads(runtime.read_text())["services"]) != outcome.new_services:
            assert time.monotonic() < deadline, "the woken agent did not apply the operator's mutation"
            time.sleep(0.25)
        assert asyncio.run(_mutations(settings))[0][2] == "operator"

        # A teardown through the fleet operator wakes the agent too (well before its next pass).
        started = time.monotonic()
        asyncio.run(AgentFleetOperator(settings).teardown([name]))
        while name in backend.deployed():
            assert time.monotonic() - started < RECONCILE_S / 2, "the woken agent did not tear down"
            time.sleep(0.25)
    finally:
        if mutator is not None:
            ray.kill(mutator, no_restart=True)
        stop_worker("fleet_agent", HOST)
        for decky in backend.deployed():
            backend.teardown(decky)
