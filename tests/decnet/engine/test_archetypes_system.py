"""Every archetype of SPEC.md deploys with its full service set: one real decky per archetype on
the local backend (127.89.0.0/24), each service listening on its ports and reporting to the
collector."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.engine.deployer import FleetEngine
from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.catalog.services import SERVICES
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import FleetSpec
from tests.decnet.events.helpers import MemorySink

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="services bind well-known ports on 127.x (root)")

#: Ports a persona may legitimately keep closed (a Modicon PLC has no S7 port 102).
MAY_BE_CLOSED = {("ics", 102)}


def _fleet() -> FleetSpec:
    """One decky per archetype, each with the archetype's default services."""
    specs = []
    for index, slug in enumerate(sorted(ARCHETYPES)):
        fleet = plan_fleet(
            deckies=1, subnet="127.89.0.0/24", ip_start=f"127.89.0.{10 + index}", archetype=slug,
            backend="local", seed=f"{index:02x}" * 32, name_prefix=f"arch{index:02d}",
        )  # fmt: skip
        specs.append(fleet.deckies[0].model_dump())
    return FleetSpec.model_validate({**fleet.model_dump(), "deckies": specs})


def _open(ip: str, port: int) -> bool:
    try:
        with socket.create_connection((ip, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.timeout(240)
async def test_every_archetype_deploys_with_its_services(
    tmp_path: Path, collector: tuple[MemorySink, Path]
) -> None:
    sink, sock = collector
    settings = Settings(
        data_dir=tmp_path / "data", ingest_socket=sock, log_target=f"file:{tmp_path / 'decnet.log'}"
    )
    fleet = _fleet()
    assert {spec.archetype for spec in fleet.deckies} == set(ARCHETYPES)
    engine = FleetEngine(settings, "local")
    try:
        statuses = await asyncio.to_thread(engine.deploy, fleet)
        assert all(s.state == "running" for s in statuses), statuses
        missing: list[str] = []
        loop = asyncio.get_running_loop()
        for spec in fleet.deckies:
            assert tuple(spec.builtin_services) == ARCHETYPES[spec.archetype].services, spec.name
            for service in spec.builtin_services:
                for port in SERVICES[service].tcp_ports:
                    deadline = loop.time() + 30
                    while not await asyncio.to_thread(_open, spec.ip, port):
                        if loop.time() > deadline:
                            if (service, port) not in MAY_BE_CLOSED:
                                missing.append(f"{spec.name} ({spec.archetype}) {service}:{port}")
                            break
                        await asyncio.sleep(0.2)
        assert missing == []
        # Every decky with a TCP service reported the connections to the collector.
        deadline = loop.time() + 20
        want = {s.name for s in fleet.deckies if any(SERVICES[x].tcp_ports for x in s.builtin_services)}
        while {e.decky for e in sink.events.values() if e.event_type == "connect"} < want:
            assert loop.time() < deadline, want - {e.decky for e in sink.events.values()}
            await asyncio.sleep(0.2)
        assert all(s.state == "running" for s in engine.status())
    finally:
        await asyncio.to_thread(engine.teardown)
