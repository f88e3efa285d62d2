"""Fixtures of the prober tests: a repository, deckies realised through a reconcile pass, cleanup."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from decnet.collector import RepositorySink
from decnet.config import Settings
from decnet.db import get_repository
from decnet.db.repository import SQLModelRepository
from decnet.engine.deployer import FleetEngine
from decnet.engine.iproute import run
from decnet.engine.reconcile import decky_record, reconcile_host
from decnet.events.receiver import EventReceiver
from decnet.fleet.spec import FleetSpec
from decnet.prober.net import port_state

HOST = "probehost"


@dataclass
class Fleet:
    """Settings and repository of one test, and the engines whose deckies must go at the end."""

    settings: Settings
    repo: SQLModelRepository
    engines: list[FleetEngine] = field(default_factory=list)

    async def deploy(self, fleet: FleetSpec, hairpin_ip: str | None = None) -> None:
        """Record ``fleet`` for HOST and run the reconcile pass a fleet agent would run."""
        for spec in fleet.deckies:
            await self.repo.upsert_decky(
                spec.name,
                host=HOST,
                spec=decky_record(spec, fleet, hairpin_ip),
                ip=spec.ip,
                mac=spec.mac,
                hostname=spec.hostname,
                backend=spec.backend,
            )
        self.engines.append(FleetEngine(self.settings, fleet.backend, fleet.interface))
        result = await reconcile_host(self.settings, self.repo, HOST)
        assert not result.failed, result.failed
        for spec in fleet.deckies:
            for port in sorted({p for s in spec.services for p in PORTS.get(s, ())}):
                await until_open(spec.ip, port)


PORTS = {"ssh": (22,), "http": (80,), "https": (443,)}


async def until_open(ip: str, port: int, timeout: float = 20.0) -> None:
    """Wait until ``ip:port`` accepts connections (the decky runtime has started)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await port_state(ip, port, 1.0) != "open":
        if loop.time() > deadline:
            raise AssertionError(f"{ip}:{port} never opened")
        await asyncio.sleep(0.1)


@pytest.fixture
async def deckies(tmp_path: Path) -> AsyncIterator[Fleet]:
    settings = Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / "run" / "ingest.sock",
        log_target=f"file:{tmp_path / 'decnet.log'}",
    )
    repo = get_repository(settings)
    await repo.initialize()
    receiver = EventReceiver(RepositorySink(repo), flush_interval=0.02)  # deckies stop fast when flushed
    await receiver.start_unix(settings.ingest_socket)
    fleet = Fleet(settings, repo)
    try:
        yield fleet
    finally:
        for engine in fleet.engines:
            await asyncio.to_thread(engine.teardown)
        await receiver.stop()
        await repo.close()


@pytest.fixture
def lan() -> Iterator[str]:
    """A veth pair (prefix ``dpr``) to hang netns deckies off; returns the parent interface.

    Request it before ``deckies`` so the deckies are torn down while it still exists.
    """
    tag = secrets.token_hex(3)
    parent, peer = f"dpr{tag}", f"dpr{tag}p"
    run("ip", "link", "add", parent, "type", "veth", "peer", "name", peer)
    run("ip", "link", "set", parent, "up")
    run("ip", "link", "set", peer, "up")
    try:
        yield parent
    finally:
        run("ip", "link", "del", parent, check=False)
