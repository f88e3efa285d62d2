"""Deployments requested through the API, handed to the fleet agents.

``AgentFleetOperator.deploy`` records each decky's desired state for a decky host (the one
given, else round-robin over the hosts whose agents run, starting with the least loaded) and
wakes those agents; the agents do the work and write actual states back.
"""

from __future__ import annotations

import uuid
from typing import Any

import ray

from cluster.health import ray_actors
from cluster.placement import actor_name
from decnet.config import Settings
from decnet.db import get_repository
from decnet.engine.reconcile import decky_record, request_teardown
from decnet.fleet.spec import FleetSpec
from decnet.mutator.apply import MutationOutcome, mutate_decky


def agent_hosts() -> list[str]:
    """Decky hosts whose fleet agent is alive."""
    return sorted(
        name.split(":", 1)[1]
        for name, info in ray_actors().items()
        if name.startswith("fleet_agent:") and info["state"] == "ALIVE"
    )


class AgentFleetOperator:
    """The web app's FleetOperator: desired state in the repository, work by the agents."""

    def __init__(self, settings: Settings, hairpin_ip: str | None = None) -> None:
        self.settings = settings
        self.hairpin_ip = hairpin_ip

    async def deploy(self, fleet: FleetSpec) -> str:
        """Record the fleet's deckies for their hosts and wake the agents; return an operation id."""
        hosts = agent_hosts()
        if not hosts:
            raise RuntimeError("no fleet agent is running (decnet up)")
        repo = get_repository(self.settings)
        await repo.initialize()
        try:
            load = {host: len(await repo.list_deckies(host=host)) for host in hosts}
            order = sorted(hosts, key=lambda h: (load[h], h))
            touched: set[str] = set()
            for index, spec in enumerate(fleet.deckies):
                host = spec.host if spec.host in hosts else order[index % len(order)]
                await repo.upsert_decky(
                    spec.name,
                    host=host,
                    spec=decky_record(spec, fleet, self.hairpin_ip),
                    ip=spec.ip,
                    mac=spec.mac,
                    hostname=spec.hostname,
                    backend=spec.backend,
                )
                touched.add(host)
        finally:
            await repo.close()
        for host in touched:
            agent: Any = ray.get_actor(actor_name("fleet_agent", host), namespace="decnet")
            agent.reconcile_now.remote(0.0)  # wake it; do not wait for the deckies
        return uuid.uuid4().hex

    async def mutate(self, name: str) -> MutationOutcome:
        """Record an operator mutation of ``name`` and wake its host's agent (which redeploys it)."""
        repo = get_repository(self.settings)
        await repo.initialize()
        try:
            outcome = await mutate_decky(repo, name, "operator")
        finally:
            await repo.close()
        try:
            agent: Any = ray.get_actor(actor_name("fleet_agent", outcome.host), namespace="decnet")
        except ValueError:
            return outcome  # no agent on that host now: it applies the mutation when it starts
        agent.reconcile_now.remote(0.0)
        return outcome

    async def teardown(self, names: list[str]) -> str:
        """Mark ``names`` absent and wake their hosts' agents (which tear them down); return an id."""
        repo = get_repository(self.settings)
        await repo.initialize()
        try:
            hosts = {d.host for name in names if (d := await repo.get_decky(name)) is not None}
            await request_teardown(repo, names)
        finally:
            await repo.close()
        for host in hosts:
            try:
                agent: Any = ray.get_actor(actor_name("fleet_agent", host), namespace="decnet")
            except ValueError:
                continue  # no agent there now: it converges when it starts
            agent.reconcile_now.remote(0.0)
        return uuid.uuid4().hex
