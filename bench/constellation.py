"""Constellation benchmark: boot, end-to-end ingest through the collector actor, resume after SIGKILL.

    .venv/bin/python bench/constellation.py [--quick] [--events N] [--no-mysql]

It runs the real path: `decnet up` in a subprocess (a local Ray head on a private port, the
collector actor, the first admin, the Serve web app), an at-least-once sender streaming
events into the collector's unix socket, the repository (SQLite, then MariaDB at
``DECNET_TEST_MYSQL_URL``, default ``mysql+asyncmy://root@127.0.0.1:3306``, in a scratch
database), and `decnet down`. As a baseline in the same run, the same events go through an
in-process receiver into the same kind of repository (no actor), which shows the actor's share.

Last line, one JSON object:
``{"boot_s": …, "ingest_sqlite_events_per_s": …, "ingest_mysql_events_per_s": …, "resume_s": …}``.
Targets on the 2-core reference machine: boot <= 20 s, ingest >= 20,000 events/s on SQLite,
resume <= 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAY_AUTH_MODE", "token")

from decnet.collector import RepositorySink  # noqa: E402
from decnet.config import Settings  # noqa: E402
from decnet.db import get_repository  # noqa: E402
from decnet.events import Event  # noqa: E402
from decnet.events.receiver import EventReceiver  # noqa: E402
from decnet.events.sender import EventSender  # noqa: E402
from decnet.events.spool import Spool  # noqa: E402

RAY_PORT = 6390
WEB_PORT = 8090
DEFAULT_MYSQL_URL = "mysql+asyncmy://root@127.0.0.1:3306"


def _decnet(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "decnet.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _env(work: Path, db: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DECNET_DATA_DIR=str(work / "data"),
        DECNET_INGEST_SOCKET=str(work / "run" / "ingest.sock"),
        DECNET_LOG_TARGET=f"file:{work / 'decnet.log'}",
        DECNET_RAY_PORT=str(RAY_PORT),
        DECNET_WEB_PORT=str(WEB_PORT),
        DECNET_DECKY_HOST="bench",
        DECNET_ADMIN_PASSWORD="bench-admin-password-0123",
        **db,
    )
    return env


def boot(env: dict[str, str]) -> float:
    """Seconds from nothing to every worker healthy and the API answering."""
    started = time.perf_counter()
    result = _decnet(env, "up")
    if result.returncode != 0:
        raise RuntimeError(f"decnet up failed: {result.stderr.strip()[-1500:]}")
    with urllib.request.urlopen(f"http://127.0.0.1:{WEB_PORT}/api/v1/health", timeout=10) as response:
        if response.status != 200:
            raise RuntimeError(f"health answered {response.status}")
    return time.perf_counter() - started


def down(env: dict[str, str]) -> None:
    _decnet(env, "down")


def _events(n: int) -> list[Event]:
    return [
        Event.new(
            "decky-01",
            "ssh",
            "auth",
            src_ip="198.51.100.7",
            src_port=40000 + i % 20000,
            fields={"username": "root", "password": f"pw{i}"},
        )
        for i in range(n)
    ]


async def stream(sock: Path, events: list[Event], spool_dir: Path) -> float:
    """Events/s from the first send until the collector confirmed (stored) every event."""
    sender = EventSender(
        f"unix:{sock}", Spool(spool_dir, memory_items=len(events) + 1), reconnect_max_delay=0.1
    )
    await sender.start()
    started = time.perf_counter()
    for event in events:
        sender.send(event)
    if not await sender.flush(timeout=600):
        raise RuntimeError(f"{sender.pending} events never confirmed")
    elapsed = time.perf_counter() - started
    await sender.stop()
    return len(events) / elapsed


async def baseline(settings: Settings, events: list[Event], work: Path) -> float:
    """The same stream into an in-process receiver and repository (no Ray, no actor)."""
    repo = get_repository(settings)
    await repo.initialize()
    sock = work / "baseline.sock"
    receiver = EventReceiver(
        RepositorySink(repo),
        batch_size=settings.ingest_batch_size,
        flush_interval=settings.ingest_flush_ms / 1000,
    )
    await receiver.start_unix(sock)
    try:
        return await stream(sock, events, work / "spool-baseline")
    finally:
        await receiver.stop()
        await repo.close()


async def resume(sock: Path, work: Path) -> float:
    """Seconds from SIGKILL of the collector until it confirms events again."""
    import ray

    from cluster.bootstrap import connect, get_worker

    connect(f"{Settings().ray_node_ip}:{RAY_PORT}")
    collector = get_worker("collector", "bench")
    assert collector is not None
    sender = EventSender(
        f"unix:{sock}", Spool(work / "spool-resume", memory_items=100_000), reconnect_max_delay=0.05
    )
    await sender.start()
    for event in _events(2000):
        sender.send(event)
    assert await sender.flush(timeout=60)
    pid = ray.get(collector.pid.remote())
    acked = sender.stats.acked
    os.kill(pid, signal.SIGKILL)
    killed = time.perf_counter()
    deadline = killed + 60
    while sender.stats.acked == acked:
        sender.send(_events(1)[0])
        if time.perf_counter() > deadline:
            raise RuntimeError("events did not flow again within 60 s")
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - killed
    await sender.flush(timeout=30)
    await sender.stop()
    ray.shutdown()
    return elapsed


async def _mysql_db() -> tuple[str, str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    base = make_url(os.environ.get("DECNET_TEST_MYSQL_URL", DEFAULT_MYSQL_URL))
    name = f"decnet_bench_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(base.set(database=None))
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    await engine.dispose()
    return name, base.set(database=name).render_as_string(hide_password=False)


async def _drop_mysql(name: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    base = make_url(os.environ.get("DECNET_TEST_MYSQL_URL", DEFAULT_MYSQL_URL))
    engine = create_async_engine(base.set(database=None))
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    await engine.dispose()


def run_backend(label: str, db: dict[str, str], n: int, measure_resume: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"decnet-bench-{label}-") as tmp:
        work = Path(tmp)
        env = _env(work, db)
        settings = Settings(data_dir=work / "data-baseline", **{k[7:].lower(): v for k, v in db.items()})
        out: dict[str, float] = {}
        try:
            out["boot_s"] = boot(env)
            sock = work / "run" / "ingest.sock"
            out["ingest_events_per_s"] = asyncio.run(stream(sock, _events(n), work / "spool"))
            if measure_resume:
                out["resume_s"] = asyncio.run(resume(sock, work))
        finally:
            down(env)
        out["baseline_events_per_s"] = asyncio.run(baseline(settings, _events(n), work))
        return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="DECNET constellation benchmark")
    parser.add_argument("--quick", action="store_true", help="20,000 events (< 90 s)")
    parser.add_argument("--events", type=int, default=None, help="events per ingest run (default 100,000)")
    parser.add_argument("--no-mysql", action="store_true")
    args = parser.parse_args(argv)
    n = args.events or (20_000 if args.quick else 100_000)
    started = time.perf_counter()
    sqlite = run_backend("sqlite", {}, n, measure_resume=True)
    print(
        f"SQLite : boot {sqlite['boot_s']:.1f} s; ingest through the collector actor "
        f"{sqlite['ingest_events_per_s']:,.0f} events/s (in-process receiver, no actor: "
        f"{sqlite['baseline_events_per_s']:,.0f}/s); resume after SIGKILL {sqlite['resume_s']:.2f} s"
    )
    figures: dict[str, Any] = {
        "boot_s": round(sqlite["boot_s"], 2),
        "ingest_sqlite_events_per_s": round(sqlite["ingest_events_per_s"]),
        "ingest_mysql_events_per_s": None,
        "resume_s": round(sqlite["resume_s"], 2),
    }
    if not args.no_mysql:
        name, url = asyncio.run(_mysql_db())
        try:
            mysql = run_backend(
                "mysql", {"DECNET_DB_TYPE": "mysql", "DECNET_DB_URL": url}, n, measure_resume=False
            )
        finally:
            asyncio.run(_drop_mysql(name))
        print(
            f"MariaDB: boot {mysql['boot_s']:.1f} s; ingest through the collector actor "
            f"{mysql['ingest_events_per_s']:,.0f} events/s "
            f"(in-process: {mysql['baseline_events_per_s']:,.0f}/s)"
        )
        figures["ingest_mysql_events_per_s"] = round(mysql["ingest_events_per_s"])
    print(f"({n:,} events per run, {time.perf_counter() - started:.1f} s in all)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
