"""Intel benchmark: correlation throughput, and event-to-profile latency through the constellation.

    .venv/bin/python bench/intel.py [--quick] [--events N] [--seconds S] [--rate R]

1. Correlation throughput: a generated corpus (brute-force connections, interactive shells,
   web probing, port touches from a few hundred attackers) is stored in a SQLite file and the
   correlator (its default batch size) reads it all; events/s = events / wall time, and events
   per CPU-second of the process (``time.process_time``, the SQLite thread included), which
   stays meaningful on a loaded machine.
2. Event-to-profile latency: a local Ray cluster runs the collector, correlator and profiler
   actors (the constellation's workers, with their default batch sizes and poll intervals); an
   at-least-once sender streams events into the collector's unix socket at ``--rate`` events/s
   for ``--seconds``; for every tenth event the latency is the time from sending it to the moment
   its attacker's stored profile covers it (``profile.event_id`` >= the event's id), polled
   every 20 ms.

Last line, one JSON object:
``{"correlate_events_per_s": …, "correlate_events_per_cpu_s": …, "profile_latency_p50_s": …,
"profile_latency_p99_s": …, "load_average_1m": …, "load_average_1m_end": …}`` (the 1-minute load
average before and after the run: other work on the machine changes every figure).
Targets: >= 20,000 events/s, p99 <= 2 s (on an otherwise idle 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from decnet.config import Settings  # noqa: E402
from decnet.db import get_repository  # noqa: E402
from decnet.db.models import attacker_table, event_table  # noqa: E402
from decnet.events.model import Event  # noqa: E402
from decnet.intel import Correlator  # noqa: E402

HOST = "benchhost"


def attack(rnd: random.Random, ip: str, decky: str, sid: str) -> list[tuple[str, str, dict[str, str]]]:
    """One connection's events: a brute force, a shell, web probing or a port touch."""
    kind = rnd.random()
    if kind < 0.5:
        auths = [
            (
                "ssh",
                "auth",
                {
                    "username": rnd.choice(["root", "admin", "oracle"]),
                    "password": f"p{rnd.randrange(300)}",
                    "method": "password",
                    "result": "failure",
                },
            )
            for _ in range(3)
        ]
        return [
            ("ssh", "connect", {"dst_port": "22", "client_version": "SSH-2.0-libssh_0.10.6"}),
            *auths,
            ("ssh", "disconnect", {"reason": "closed"}),
        ]
    if kind < 0.65:
        commands = [
            (
                "ssh",
                "command",
                {"command": rnd.choice(["uname -a", "id", "ls -la", "wget http://x/y", "ps aux"])},
            )
            for _ in range(6)
        ]
        return [
            ("ssh", "connect", {"dst_port": "22"}),
            (
                "ssh",
                "auth",
                {"username": "root", "password": "root", "method": "password", "result": "success"},
            ),
            *commands,
            ("ssh", "disconnect", {}),
        ]
    if kind < 0.9:
        requests = [
            (
                "http",
                "request",
                {
                    "method": "GET",
                    "path": f"/p{rnd.randrange(100)}",
                    "user_agent": "curl/8.5.0",
                    "status": "404",
                },
            )
            for _ in range(4)
        ]
        return [("http", "connect", {"dst_port": "80"}), *requests, ("http", "disconnect", {})]
    return [("ftp", "connect", {"dst_port": "21"}), ("ftp", "disconnect", {})]


def corpus(n: int, attackers: int = 300, seed: int = 7, now: bool = False) -> list[Event]:
    """``n`` events from ``attackers`` sources over 20 deckies (timestamps 2 ms apart, or now)."""
    rnd = random.Random(seed)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    ips = [f"10.{a // 250}.{a % 250}.9" for a in range(attackers)]
    out: list[Event] = []
    conn = 0
    while len(out) < n:
        ip, decky, sid = rnd.choice(ips), f"decky-{rnd.randrange(20):02d}", f"s{conn}"
        conn += 1
        for service, event_type, fields in attack(rnd, ip, decky, sid):
            stamp = datetime.now(UTC) if now else t0 + timedelta(milliseconds=2 * len(out))
            out.append(
                Event(
                    f"b{seed}-{len(out):08d}",
                    stamp,
                    decky,
                    service,
                    event_type,
                    src_ip=ip,
                    src_port=40000 + conn % 20000,
                    sid=sid,
                    fields=fields,
                )
            )
    return out[:n]


async def correlate_throughput(work: Path, n: int) -> tuple[float, float]:
    """Events per wall-clock second and per CPU-second of this process (both threads)."""
    settings = Settings(data_dir=work / "throughput")
    repo = get_repository(settings)
    await repo.initialize()
    try:
        events = corpus(n)
        for start in range(0, n, 10_000):
            await repo.add_events(events[start : start + 10_000])
        began, cpu = time.perf_counter(), time.process_time()
        done = await Correlator(repo).run_until_idle()
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        assert done == n, (done, n)
        return n / elapsed, n / cpu
    finally:
        await repo.close()


def profile_latency(work: Path, seconds: float, rate: int) -> tuple[float, float, int]:
    import ray

    from actors.correlator import CorrelatorActor
    from actors.profiler import ProfilerActor
    from cluster.bootstrap import ensure_worker, settings_payload, stop_worker
    from cluster.placement import actor_options

    settings = Settings(
        data_dir=work / "latency",
        ingest_socket=work / "run" / "ingest.sock",
        ingest_flush_ms=20,
        log_target=f"file:{work / 'decnet.log'}",
    )
    ray.init(
        address="local",
        num_cpus=2,
        resources={f"decnet_host:{HOST}": 1},
        namespace="decnet",
        include_dashboard=False,
        log_to_driver=False,
    )
    try:
        ensure_worker("collector", settings, HOST)
        payload = settings_payload(settings)
        correlator: Any = CorrelatorActor.options(**actor_options("correlator")).remote(payload)
        profiler: Any = ProfilerActor.options(**actor_options("profiler")).remote(payload)
        assert ray.get([correlator.wait_ready.remote(60), profiler.wait_ready.remote(60)]) == [True, True]
        latencies = asyncio.run(_stream_and_watch(settings, seconds, rate))
    finally:
        for kind, where in (("profiler", None), ("correlator", None), ("collector", HOST)):
            stop_worker(kind, where)
        ray.shutdown()
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    return p50, p99, len(latencies)


async def _stream_and_watch(settings: Settings, seconds: float, rate: int) -> list[float]:
    from decnet.events.sender import EventSender
    from decnet.events.spool import Spool

    total = int(seconds * rate)
    events = corpus(total, attackers=200, seed=11, now=True)
    sender = EventSender(
        f"unix:{settings.ingest_socket}",
        Spool(settings.data_dir / "spool", memory_items=total + 1),
        reconnect_max_delay=0.1,
    )
    await sender.start()
    sent: dict[str, tuple[float, str]] = {}  # eid -> (send time, attacker)
    repo = get_repository(settings)
    await repo.initialize()
    latencies: list[float] = []
    stop = asyncio.Event()

    async def produce() -> None:
        began = time.monotonic()
        for i, event in enumerate(events):
            due = began + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            event.timestamp = datetime.now(UTC)
            sender.send(event)
            if i % 10 == 0:
                sent[event.eid] = (time.monotonic(), event.src_ip or "")
        await sender.flush(timeout=60)
        stop.set()

    async def watch() -> None:
        ids: dict[str, int] = {}
        pending = sent
        deadline: float | None = None
        while True:
            await asyncio.sleep(0.02)
            waiting = [eid for eid in pending if eid not in ids]
            if waiting:
                stmt = select(event_table.c.eid, event_table.c.id).where(event_table.c.eid.in_(waiting[:900]))
                async with repo.engine.connect() as conn:
                    ids.update({r.eid: int(r.id) for r in await conn.execute(stmt)})
            known = [eid for eid in pending if eid in ids]
            if known:
                ips = sorted({pending[eid][1] for eid in known})
                stmt2 = select(attacker_table.c.ip, attacker_table.c.profile).where(
                    attacker_table.c.ip.in_(ips)
                )
                async with repo.engine.connect() as conn:
                    covered = {
                        r.ip: int((r.profile or {}).get("event_id", 0)) for r in await conn.execute(stmt2)
                    }
                now = time.monotonic()
                for eid in known:
                    sent_at, ip = pending[eid]
                    if covered.get(ip, 0) >= ids[eid]:
                        latencies.append(now - sent_at)
                        del pending[eid]
            if stop.is_set():
                deadline = deadline or time.monotonic() + 30
                if not pending or time.monotonic() > deadline:
                    return

    try:
        await asyncio.gather(produce(), watch())
    finally:
        await sender.stop()
        await repo.close()
    if sent:
        print(f"  {len(sent)} sampled events never profiled within 30 s", file=sys.stderr)
        latencies.extend([float("inf")] * len(sent))
    return latencies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small corpus and a 20 s stream (under 90 s)")
    parser.add_argument("--events", type=int, default=None, help="events of the throughput corpus")
    parser.add_argument("--seconds", type=float, default=None, help="length of the 1,000/s stream")
    parser.add_argument("--rate", type=int, default=1000, help="events per second of the stream")
    args = parser.parse_args(argv)
    n = args.events or (50_000 if args.quick else 200_000)
    seconds = args.seconds or (20.0 if args.quick else 60.0)
    with tempfile.TemporaryDirectory(prefix="decnet-bench-intel-") as tmp:
        work = Path(tmp)
        load = os.getloadavg()[0]
        rate, cpu_rate = asyncio.run(correlate_throughput(work, n))
        print(
            f"correlation: {n} events at {rate:,.0f} events/s ({cpu_rate:,.0f} per CPU-second; "
            f"load average {load:.2f} on {os.cpu_count()} CPUs)",
            file=sys.stderr,
        )
        p50, p99, samples = profile_latency(work, seconds, args.rate)
        print(
            f"event-to-profile latency at {args.rate}/s over {seconds:.0f} s: "
            f"p50 {p50:.3f} s, p99 {p99:.3f} s ({samples} samples)",
            file=sys.stderr,
        )
    result: dict[str, Any] = {
        "correlate_events_per_s": round(rate),
        "correlate_events_per_cpu_s": round(cpu_rate),
        "profile_latency_p50_s": round(p50, 3),
        "profile_latency_p99_s": round(p99, 3) if p99 != float("inf") else None,
        "load_average_1m": round(load, 2),
        "load_average_1m_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
