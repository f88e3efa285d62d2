"""Reconciling a host's desired deckies (repository) with what its backends run.

The fleet agent of a decky host runs :func:`reconcile_host` in a loop: every decky recorded
for the host with desired state ``running`` that is not running is (re)deployed; every decky
with desired state ``absent`` that still runs is torn down and forgotten; a running decky whose
stored spec changed since it was deployed (a mutation) is redeployed: its runtime gets SIGTERM,
flushes its spool to the collector (what it cannot deliver in time stays in its on-disk spool,
which the new runtime sends), then the new spec starts with the same identity and state
directory. Actual states are written back. It is idempotent, so an agent killed in the middle
simply converges on its next pass.

A record's ``spec`` is the DeckySpec plus ``_fleet``: the network context a single decky
needs (subnet, gateway, parent interface, hairpin address, ipvlan).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from decnet.config import Settings
from decnet.db.repository import SQLModelRepository
from decnet.engine.base import BackendError
from decnet.engine.deployer import FleetEngine, spec_digest
from decnet.fleet.spec import DeckySpec, FleetSpec

log = logging.getLogger("decnet.fleet_agent")

#: Seconds a runtime being replaced gets to stop its services (at most 10 s) and flush its
#: spool (3 s) before it is killed.
GRACEFUL_STOP_S = 20.0

FLEET_KEY = "_fleet"


def decky_record(spec: DeckySpec, fleet: FleetSpec, hairpin_ip: str | None) -> dict[str, Any]:
    """The ``spec`` stored for a decky: its DeckySpec and the network context it needs."""
    record = spec.model_dump(mode="json")
    record[FLEET_KEY] = {
        "net": fleet.net,
        "gateway": fleet.gateway,
        "interface": fleet.interface,
        "hairpin_ip": hairpin_ip,
        "ipvlan": fleet.ipvlan,
    }
    return record


def single_fleet(record: dict[str, Any]) -> tuple[FleetSpec, str | None]:
    """A one-decky FleetSpec (and its hairpin address) from a stored record."""
    data = dict(record)
    context = data.pop(FLEET_KEY, None) or {}
    spec = DeckySpec.model_validate(data)
    fleet = FleetSpec(
        net=context["net"],
        gateway=context["gateway"],
        interface=context.get("interface"),
        backend=spec.backend,
        ipvlan=bool(context.get("ipvlan", False)),
        seed=spec.seed,
        deckies=[spec],
        custom_services=list(spec.custom_services),
    )
    return fleet, context.get("hairpin_ip")


@dataclass(slots=True)
class ReconcileResult:
    """What one pass did."""

    deployed: list[str] = field(default_factory=list)
    torn_down: list[str] = field(default_factory=list)
    redeployed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    running: list[str] = field(default_factory=list)


async def reconcile_host(settings: Settings, repo: SQLModelRepository, host: str) -> ReconcileResult:
    """One reconcile pass for ``host``."""
    result = ReconcileResult()
    records = await repo.list_deckies(host=host)
    engines: dict[tuple[str, str | None, bool], FleetEngine] = {}
    for decky in records:
        try:
            fleet, hairpin_ip = single_fleet(decky.spec)
        except (KeyError, ValueError) as exc:
            result.failed[decky.name] = f"bad stored spec: {exc}"
            await repo.set_decky_actual_state(decky.name, "failed")
            continue
        key = (fleet.backend, fleet.interface, fleet.ipvlan)
        engine = engines.get(key)
        if engine is None:
            engine = FleetEngine(settings, fleet.backend, fleet.interface, ipvlan=fleet.ipvlan)
            engines[key] = engine
        try:
            await _converge(engine, decky.name, decky.desired_state, fleet, hairpin_ip, repo, result)
        except BackendError as exc:
            result.failed[decky.name] = str(exc)
            log.error("decky %s: %s", decky.name, exc)
            await repo.set_decky_actual_state(decky.name, "failed")
    return result


async def _converge(
    engine: FleetEngine,
    name: str,
    desired: str,
    fleet: FleetSpec,
    hairpin_ip: str | None,
    repo: SQLModelRepository,
    result: ReconcileResult,
) -> None:
    status = await asyncio.to_thread(_status_of, engine, name)
    if desired == "absent":
        if status != "missing":
            await asyncio.to_thread(engine.teardown, [name])
            result.torn_down.append(name)
        await repo.delete_decky(name)
        return
    changed = False
    if status == "running":
        deployed = await asyncio.to_thread(engine.deployed_digest, name)
        changed = deployed is not None and deployed != spec_digest(fleet.deckies[0])
        if not changed:
            result.running.append(name)
            await repo.set_decky_actual_state(name, "running")
            return
    if changed:  # give the runtime time to stop its services and flush its spool
        await asyncio.to_thread(partial(engine.teardown, [name], timeout=GRACEFUL_STOP_S))
        result.redeployed.append(name)
    elif status != "missing":  # stopped or half there: start over (state directory kept)
        await asyncio.to_thread(engine.teardown, [name])
    await repo.set_decky_actual_state(name, "deploying")
    statuses = await asyncio.to_thread(engine.deploy, fleet, hairpin_ip=hairpin_ip)
    state = statuses[0].state if statuses else "failed"
    await repo.set_decky_actual_state(name, state)
    result.deployed.append(name)


def _status_of(engine: FleetEngine, name: str) -> str:
    backend = engine.backend()
    return str(backend.status(name).state)


async def request_teardown(repo: SQLModelRepository, names: Sequence[str]) -> list[str]:
    """Mark deckies ``absent`` (their agent tears them down and forgets them); return those known."""
    known = []
    for name in names:
        decky = await repo.get_decky(name)
        if decky is None:
            continue
        await repo.upsert_decky(
            name,
            host=decky.host,
            spec=decky.spec,
            desired_state="absent",
            ip=decky.ip,
            mac=decky.mac,
            hostname=decky.hostname,
            backend=decky.backend,
        )
        known.append(name)
    return known
