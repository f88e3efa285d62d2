"""Fixtures of the mutator tests: a SQLite repository, a collector storing into it, local deckies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from decnet.collector import RepositorySink
from decnet.config import Settings
from decnet.db import get_repository
from decnet.db.repository import SQLModelRepository
from decnet.engine.deployer import FleetEngine
from decnet.engine.reconcile import decky_record
from decnet.events.receiver import EventReceiver
from decnet.fleet.spec import FleetSpec

HOST = "muthost"


@dataclass
class Stack:
    """Settings, repository and collector of one test."""

    settings: Settings
    repo: SQLModelRepository
    receiver: EventReceiver | None

    async def start_collector(self) -> None:
        self.receiver = EventReceiver(RepositorySink(self.repo), flush_interval=0.02)
        await self.receiver.start_unix(self.settings.ingest_socket)

    async def stop_collector(self) -> None:
        if self.receiver is not None:
            await self.receiver.stop()
            self.receiver = None

    async def desire(self, fleet: FleetSpec, host: str = HOST) -> None:
        for spec in fleet.deckies:
            await self.repo.upsert_decky(
                spec.name,
                host=host,
                spec=decky_record(spec, fleet, None),
                ip=spec.ip,
                mac=spec.mac,
                hostname=spec.hostname,
                backend=spec.backend,
            )


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    settings = Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / "run" / "ingest.sock",
        log_target=f"file:{tmp_path / 'decnet.log'}",
    )
    repo = get_repository(settings)
    await repo.initialize()
    result = Stack(settings, repo, None)
    await result.start_collector()
    try:
        yield result
    finally:
        engine = FleetEngine(settings, "local")
        await asyncio.to_thread(engine.teardown)
        await result.stop_collector()
        await repo.close()
