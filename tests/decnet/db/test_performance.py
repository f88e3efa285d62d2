"""Regression guards for add_events throughput (the real figures: bench_add_events.py).

The targets are >= 50% of raw ``sqlite3.executemany`` on SQLite and >= 20,000 events/s on
MariaDB; the floors asserted here sit well below the measured figures (about 75% and
40,000/s) so that a busy CI machine does not flake, yet an ORM-object insert path would fail.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL

from tests.decnet.db.bench_add_events import bench_raw_sqlite, bench_repo, fresh_sqlite, make_events, raw_rows
from tests.decnet.db.conftest import make_repository

EVENTS = 20_000
BATCH = 1000


async def test_sqlite_add_events_keeps_up_with_raw_executemany(tmp_path: Path) -> None:
    events = make_events(EVENTS)
    await (await fresh_sqlite(tmp_path / "raw.db")).close()
    raw = bench_raw_sqlite(tmp_path / "raw.db", raw_rows(events), BATCH)
    repo = await fresh_sqlite(tmp_path / "repo.db")
    try:
        ours = await bench_repo(repo, events, BATCH)
    finally:
        await repo.close()
    print(f"raw {raw:,.0f}/s, add_events {ours:,.0f}/s ({ours / raw:.0%})")
    assert ours >= 0.30 * raw


async def test_mysql_add_events_rate(mysql_database: URL) -> None:
    repo = make_repository(mysql_database)
    try:
        await repo.initialize()
        rate = await bench_repo(repo, make_events(EVENTS), BATCH)
    finally:
        await repo.close()
    print(f"MariaDB add_events {rate:,.0f}/s")
    assert rate >= 8_000
