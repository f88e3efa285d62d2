"""The profiler's per-source event cache gives exactly what a full read gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from decnet.db.repository import SQLModelRepository
from decnet.events.model import Event
from decnet.intel.source_events import SourceEventCache
from decnet.intel.store import read_source_events

T0 = datetime(2026, 3, 1, tzinfo=UTC)
IPS = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


def _events(rnd: random.Random, start: int, n: int) -> list[Event]:
    return [
        Event(
            f"se-{start + i:06d}",
            T0 + timedelta(seconds=start + i),
            "decky-01",
            "ssh",
            "command",
            src_ip=rnd.choice(IPS),
            sid=f"s{(start + i) // 7}",
            fields={"command": f"echo {start + i}"},
        )
        for i in range(n)
    ]


async def _newest_id(repo: SQLModelRepository) -> int:
    async with repo.transaction() as conn:
        row = (await conn.exec_driver_sql("SELECT MAX(id) FROM event")).one()
    return int(row[0] or 0)


async def _check(repo: SQLModelRepository, cache: SourceEventCache, up_to: int, limit: int) -> None:
    async with repo.transaction() as conn:
        for ip in IPS:
            got = await cache.newest(conn, ip, up_to, limit)
            want = await read_source_events(conn, ip, up_to, limit)
            assert [(s.id, s.event) for s in got] == [(s.id, s.event) for s in want]


async def test_incremental_reads_equal_full_reads(repo: SQLModelRepository) -> None:
    rnd = random.Random(3)
    cache = SourceEventCache()
    written = 0
    for n, limit in ((5, 4), (1, 4), (0, 4), (30, 4), (3, 50), (2, 50), (60, 10)):
        await repo.add_events(_events(rnd, written, n))
        written += n
        await _check(repo, cache, await _newest_id(repo), limit)
    assert cache.hits > 0 and cache.misses >= len(IPS)
    # an older cursor than the cached one (a replayed batch) reads everything again
    misses = cache.misses
    await _check(repo, cache, 10, 10)
    assert cache.misses == misses + len(IPS)


async def test_the_bound_evicts_least_recent_sources(repo: SQLModelRepository) -> None:
    rnd = random.Random(4)
    await repo.add_events(_events(rnd, 0, 60))
    cache = SourceEventCache(max_events=25)
    await _check(repo, cache, await _newest_id(repo), 20)
    assert 0 < len(cache) <= 25
    await repo.add_events(_events(rnd, 60, 9))
    await _check(repo, cache, await _newest_id(repo), 20)
    assert len(cache) <= 25


async def test_a_replaced_database_is_read_again(repo: SQLModelRepository) -> None:
    rnd = random.Random(5)
    cache = SourceEventCache()
    await repo.add_events(_events(rnd, 0, 20))
    up_to = await _newest_id(repo)
    await _check(repo, cache, up_to, 50)
    async with repo.transaction() as conn:  # same ids, other events: the cached anchor no longer matches
        await conn.exec_driver_sql(
            "UPDATE event SET eid = CONCAT('x', eid)" if _mysql(repo) else "UPDATE event SET eid = 'x' || eid"
        )
    misses = cache.misses
    await _check(repo, cache, up_to, 50)
    assert cache.misses == misses + len(IPS)


def _mysql(repo: SQLModelRepository) -> bool:
    return repo.engine.dialect.name in {"mysql", "mariadb"}
