"""REST API benchmark: attackers list, events search and stats under 50 concurrent clients.

    .venv/bin/python bench/api.py [--quick] [--events N] [--attackers N] [--clients N]
                                  [--seconds S] [--no-serve]

A SQLite repository is filled with ``--events`` events (default 1,000,000) and their attackers
(``--attackers``, default 20,000), written with bulk inserts. The web app then serves it twice
in the same run: directly (uvicorn in a child process, one worker) and through Ray Serve (a
private Ray head on port 6395, started and stopped by this script, and the Serve deployment of
``serve/app.py``). For each, ``--clients`` concurrent clients call each endpoint for
``--seconds`` seconds and the script prints requests/s, p50 and p99:

* attackers: ``GET /api/v1/attackers?limit=50`` (by score)
* events search: ``GET /api/v1/events?service=ssh&event_type=auth&src_ip=<one attacker>&limit=100``
* stats: ``GET /api/v1/stats``

Last line, one JSON object: ``{"attackers_p99_ms": …, "events_search_p99_ms": …, "stats_p99_ms": …,
"serve_overhead_ratio": …}`` (direct p99s; the ratio is Serve's mean p99 over the direct one, null
with ``--no-serve`` or when Serve could not start). Targets: every p99 <= 150 ms on SQLite with 1M
events; Serve overhead <= 1.5x. ``--quick`` (200,000 events, 3 s per endpoint) runs in under 90 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAY_AUTH_MODE", "token")  # as decnet up: token authentication on Ray connections

import httpx  # noqa: E402

from decnet.config import Settings  # noqa: E402
from decnet.db import get_repository  # noqa: E402
from decnet.db.types import db_time_text, json_dumps  # noqa: E402

RAY_PORT = 6395
ADMIN_PASSWORD = "bench-admin-password"
JWT_SECRET = "bench-api-signing-key-0123456789abcdefgh"
SERVICES = ("ssh", "http", "smb", "rdp", "ftp", "redis", "mysql", "telnet")
TYPES = ("connect", "auth", "command", "request", "disconnect")


def load_average() -> str:
    """The host's load average (1, 5, 15 minutes), to read the figures by."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def attacker_ip(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def settings_for(data_dir: Path, **values: Any) -> Settings:
    return Settings(data_dir=data_dir, jwt_secret=JWT_SECRET, admin_password=ADMIN_PASSWORD, **values)


def _event_rows(events: int, attackers: int, base: datetime, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    step = timedelta(days=7) / max(1, events)
    for i in range(events):
        src = rng.randrange(attackers)
        etype = TYPES[i % len(TYPES)]
        fields = {"username": "root", "password": f"pw{i % 977}"} if etype == "auth" else {"n": str(i)}
        at = db_time_text(base + step * i)
        ip = attacker_ip(src)
        yield (
            f"{i:032x}",
            at,
            at,
            f"decky-{src % 40:02d}",
            SERVICES[src % len(SERVICES)],
            etype,
            ip,
            1024 + i % 60000,
            f"s{src}-{i // 50}",
            json_dumps(fields),
            f"{etype} from {ip}",
            16,
            6,
        )


def _attacker_rows(
    events: int, attackers: int, base: datetime, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    for i in range(attackers):
        yield (
            attacker_ip(i),
            db_time_text(base),
            db_time_text(now - timedelta(seconds=i)),
            events // max(1, attackers),
            3,
            10,
            rng.random() * 100,
            db_time_text(now),
        )


def _bulk_insert(path: Path, events: int, attackers: int) -> None:
    """Both tables in one transaction of ``executemany`` calls on a plain sqlite3 connection."""
    rng = random.Random(7)
    base = datetime.now(UTC) - timedelta(days=7)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA synchronous = OFF")
        with db:
            db.executemany(
                "INSERT INTO event (eid, timestamp, received_at, decky, service, event_type, src_ip,"
                " src_port, sid, fields, message, facility, severity)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _event_rows(events, attackers, base, rng),
            )
            db.executemany(
                "INSERT INTO attacker (ip, first_seen, last_seen, event_count, session_count, auth_attempts,"
                " score, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                _attacker_rows(events, attackers, base, rng),
            )
    finally:
        db.close()


async def fill(data_dir: Path, events: int, attackers: int) -> float:
    """``events`` events from ``attackers`` sources and their attacker rows, in the repository's schema
    (migrated by the repository, then bulk-inserted); seconds taken."""
    started = time.perf_counter()
    repo = get_repository(settings_for(data_dir))
    try:
        await repo.initialize()
    finally:
        await repo.close()
    path = getattr(repo, "path", None)
    if not isinstance(path, Path):
        raise RuntimeError("the benchmark needs a SQLite file")
    await asyncio.to_thread(_bulk_insert, path, events, attackers)
    return time.perf_counter() - started


def wait_healthy(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy")


def serve_direct(data_dir: str, port: int) -> None:
    """Child process: the app under uvicorn on 127.0.0.1:``port``."""
    import uvicorn

    from decnet.web.app import create_app

    app = create_app(settings_for(Path(data_dir)), freeze_gc=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Connection:
    """One keep-alive HTTP/1.1 connection (a lean client: the load generator shares the CPU with the
    server, so it must cost far less per request than the server does)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        """Status and body of ``GET path`` (reconnecting once if the server closed the connection)."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            try:
                self.writer.write(f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode())
                return await self._response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        fields = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)
        }
        if "content-length" in fields:
            body = await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # no trailers
            body = b"".join(chunks)
        else:
            raise ConnectionError("response without a length")
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self.writer, self.reader = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def measure(
    url: str, path: str, token: str, clients: int, seconds: float, warmup: float = 1.0
) -> dict[str, float]:
    """``clients`` concurrent keep-alive loops on ``path``: requests/s, p50 and p99 in ms over ``seconds``.

    Each client first opens its connection and sends requests for ``warmup`` seconds (not
    counted), so the figures are the steady state, not 50 connection set-ups at once.
    """
    host, _, port = url.removeprefix("http://").partition(":")
    latencies: list[float] = []
    errors = 0
    begin = time.perf_counter() + warmup
    end = begin + seconds

    async def loop() -> None:
        nonlocal errors
        conn = Connection(host, int(port), {"Authorization": f"Bearer {token}"})
        try:
            while (t0 := time.perf_counter()) < end:
                status, _ = await conn.get(path)
                if t0 >= begin:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    errors += status != 200
        finally:
            await conn.close()

    await asyncio.gather(*(loop() for _ in range(clients)))
    elapsed = time.perf_counter() - begin
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(p99, 1),
        "errors": errors,
    }


def token_for(url: str) -> str:
    response = httpx.post(f"{url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def run_suite(url: str, label: str, clients: int, seconds: float) -> dict[str, dict[str, float]]:
    token = token_for(url)
    paths = {
        "attackers": "/api/v1/attackers?limit=50",
        "events_search": f"/api/v1/events?service=ssh&event_type=auth&src_ip={attacker_ip(8)}&limit=100",
        "stats": "/api/v1/stats",
    }
    out = {}
    for name, path in paths.items():
        out[name] = asyncio.run(measure(url, path, token, clients, seconds, warmup=min(1.0, seconds)))
        figures = out[name]
        print(
            f"{label:6} {name:14} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.1f} ms"
            f"  p99 {figures['p99_ms']:7.1f} ms  errors {figures['errors']}",
            flush=True,
        )
    return out


def with_direct(data_dir: Path, clients: int, seconds: float) -> dict[str, dict[str, float]]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-direct", str(data_dir), str(port)], start_new_session=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, 60)
        return run_suite(url, "direct", clients, seconds)
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(15)


def with_serve(
    data_dir: Path, clients: int, seconds: float, replicas: int
) -> dict[str, dict[str, float]] | None:
    """The same suite through Ray Serve on a private Ray head; None if Serve cannot start here."""
    ray_dir = Path(tempfile.mkdtemp(prefix="decnet-bench-ray-"))
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    head = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "ray"),
            "start",
            "--head",
            "--block",
            f"--port={RAY_PORT}",
            "--num-cpus=2",
            "--include-dashboard=false",
            f"--temp-dir={ray_dir}",
            "--disable-usage-stats",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        import ray
        from ray import serve

        from serve.app import run

        deadline = time.monotonic() + 60
        while True:  # the head's GCS port accepts connections once it is up
            try:
                socket.create_connection(("127.0.0.1", RAY_PORT), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or head.poll() is not None:
                    raise RuntimeError("the Ray head did not start") from None
                time.sleep(0.5)
        ray.init(address=f"127.0.0.1:{RAY_PORT}", log_to_driver=False)
        port = free_port()
        settings = settings_for(data_dir, web_host="127.0.0.1", web_port=port)
        url = run(settings, num_replicas=replicas)  # the deployment `decnet up` makes
        wait_healthy(url, 120)
        return run_suite(url, "serve", clients, seconds)
    except Exception as error:  # report, do not hide: the JSON then has a null ratio
        print(f"serve: could not run ({type(error).__name__}: {error})", flush=True)
        return None
    finally:
        try:
            import ray

            if ray.is_initialized():
                from ray import serve

                serve.shutdown()
                ray.shutdown()
        finally:
            os.killpg(head.pid, signal.SIGTERM)
            try:
                head.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(head.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200,000 events, 3 s per endpoint")
    parser.add_argument("--events", type=int)
    parser.add_argument("--attackers", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--no-serve", action="store_true", help="measure the app directly only")
    parser.add_argument("--replicas", type=int, default=1, help="Serve replicas of the web app (default 1)")
    parser.add_argument("--serve-direct", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_direct:
        serve_direct(args.serve_direct[0], int(args.serve_direct[1]))
        return
    events = args.events or (200_000 if args.quick else 1_000_000)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    print(load_average(), flush=True)
    with tempfile.TemporaryDirectory(prefix="decnet-bench-api-") as tmp:
        data_dir = Path(tmp)
        filled = asyncio.run(fill(data_dir, events, args.attackers))
        print(f"filled {events} events and {args.attackers} attackers in {filled:.1f} s", flush=True)
        direct = with_direct(data_dir, args.clients, seconds)
        served = None if args.no_serve else with_serve(data_dir, args.clients, seconds, args.replicas)
    print(load_average(), flush=True)
    ratio = None
    if served is not None:
        ratios = [served[k]["p99_ms"] / max(0.1, direct[k]["p99_ms"]) for k in direct]
        ratio = round(statistics.mean(ratios), 2)
    summary: dict[str, Any] = {
        "attackers_p99_ms": direct["attackers"]["p99_ms"],
        "events_search_p99_ms": direct["events_search"]["p99_ms"],
        "stats_p99_ms": direct["stats"]["p99_ms"],
        "serve_overhead_ratio": ratio,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
