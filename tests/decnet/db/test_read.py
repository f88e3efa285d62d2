"""``SQLModelRepository.read``: one read-only query function, on every backend and on SQLite's read pool."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from decnet.db.errors import DatabaseUnavailable
from decnet.db.models import event_table, revoked_token_table
from decnet.db.repository import SQLModelRepository
from decnet.db.sqlite import SQLiteRepository
from decnet.events.model import Event, new_eid

from .test_repository_contract import T0


def _event(i: int) -> Event:
    return Event(
        eid=f"{new_eid()}{i:06d}",
        timestamp=T0,
        decky="decky-01",
        service="ssh",
        event_type="auth",
        src_ip="198.51.100.7",
        fields={"username": "root"},
        message=f"attempt {i}",
    )


def _count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(event_table)).scalar_one())


async def test_read_sees_committed_writes(repo: SQLModelRepository) -> None:
    assert await repo.read(_count) == 0
    await repo.add_events([_event(i) for i in range(3)])
    assert await repo.read(_count) == 3
    rows = await repo.read(lambda conn: conn.execute(select(event_table.c.message)).scalars().all())
    assert sorted(rows) == ["attempt 0", "attempt 1", "attempt 2"]


async def test_concurrent_reads(repo: SQLModelRepository) -> None:
    await repo.add_events([_event(i) for i in range(5)])
    assert await asyncio.gather(*(repo.read(_count) for _ in range(20))) == [5] * 20


async def test_sqlite_read_connections_refuse_writes(tmp_path: Path) -> None:
    repo = SQLiteRepository(f"sqlite+aiosqlite:///{tmp_path / 'decnet.db'}")
    await repo.initialize()
    try:
        stmt = insert(revoked_token_table).values(jti="j", expires_at=T0)
        with pytest.raises(sa_exc.OperationalError, match="readonly"):
            await repo.read(lambda conn: conn.execute(stmt))
        assert await repo.read(lambda conn: conn.execute(select(revoked_token_table)).all()) == []
    finally:
        await repo.close()
    assert await repo.read(_count) == 0  # after close the pool is rebuilt on demand
    await repo.close()


async def test_sqlite_in_memory_reads_the_shared_database() -> None:
    repo = SQLiteRepository("sqlite+aiosqlite:///:memory:")
    await repo.initialize()
    try:
        await repo.add_events([_event(1)])
        assert await repo.read(_count) == 1
    finally:
        await repo.close()


async def test_sqlite_unreachable_file_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    repo = SQLiteRepository(f"sqlite+aiosqlite:///{blocker / 'decnet.db'}")  # parent is a file
    try:
        with pytest.raises(DatabaseUnavailable):
            await repo.read(_count)
    finally:
        await repo.close()
