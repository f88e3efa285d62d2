"""Fleet benchmark: deploy N deckies with the netns and docker backends on a private test LAN.

    .venv/bin/python bench/fleet.py [--quick] [--deckies N] [--services ssh,http] [--no-docker]

Needs root (namespaces, macvlan) and, for docker, a running engine. For each backend it
measures the seconds from the start of the deploy until every service of every decky answers
(TCP connect plus a banner or an HTTP status line), the resident memory per decky (the decky
runtime's processes), and the teardown seconds. As a baseline in the same run, the same
namespaces/containers are first deployed with a trivial process instead of the runtime, which
is the plumbing's share. Docker images are built before timing (the target is for built images).

Last line, one JSON object:
``{"netns_deploy_s_per_decky": …, "netns_rss_mb_per_decky": …, "docker_deploy_s_per_decky": …,
"docker_rss_mb_per_decky": …, "teardown_s": …}``. Targets on the 2-core reference machine:
netns <= 0.5 s and <= 30 MB per decky; docker <= 2 s per decky.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from decnet.config import Settings
from decnet.engine.base import DeckyNetwork
from decnet.engine.deployer import PROJECT_ROOT, FleetEngine
from decnet.engine.iproute import netns_pids, run
from decnet.engine.netns import NetnsBackend
from decnet.events.model import Event, Rejected
from decnet.events.receiver import EventReceiver
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import FleetSpec

PORTS = {"ssh": 22, "http": 80, "https": 443}


class CountingSink:
    """Stores nothing, counts events (the bench measures deckies, not storage)."""

    def __init__(self) -> None:
        self.events = 0

    async def store(self, events: list[Event], rejected: list[Rejected]) -> None:
        self.events += len(events)


def _answers(ip: str, port: int) -> bool:
    try:
        with socket.create_connection((ip, port), timeout=0.5) as conn:
            if port == 80:
                conn.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
            if port == 443:
                return True
            return bool(conn.recv(16))
    except OSError:
        return False


async def _until_all_answer(targets: list[tuple[str, int]], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = list(targets)
    while pending:
        pending = [t for t in pending if not await asyncio.to_thread(_answers, *t)]
        if pending and loop.time() > deadline:
            raise RuntimeError(f"not answering after {timeout}s: {pending[:5]}")
        if pending:
            await asyncio.sleep(0.05)


def _rss_kb(pid: int) -> int:
    """Resident set size of a process (shared library pages counted in full)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _fleet(backend: str, n: int, lan: str, octet: int, services: str) -> FleetSpec:
    return plan_fleet(
        deckies=n,
        subnet=f"10.216.{octet}.0/24",
        ip_start=f"10.216.{octet}.10",
        services=services,
        distros="debian,ubuntu22",
        backend=backend,
        interface=lan,
        seed=secrets.token_hex(32),
        name_prefix=f"b{backend[0]}{octet}",
        host_addresses=[f"10.216.{octet}.2"],
    )


def _baseline_netns(lan: str, fleet: FleetSpec, state: Path) -> float:
    """Seconds per decky to build the namespaces with a trivial process instead of the runtime."""
    backend = NetnsBackend(lan, state)
    nets = [DeckyNetwork(d.name, d.ip, 24, None, d.mac, {}) for d in fleet.deckies]
    started = time.perf_counter()
    for net in nets:
        backend.deploy(net, [sys.executable, "-c", "import time; time.sleep(60)"], state / f"{net.name}.log")
    elapsed = time.perf_counter() - started
    for net in nets:
        backend.teardown(net.name)
    return elapsed / len(nets)


async def bench_backend(
    backend: str, n: int, lan: str, octet: int, services: str, work: Path, sock: Path
) -> dict[str, float]:
    settings = Settings(data_dir=work / backend, ingest_socket=sock)
    engine = FleetEngine(settings, backend, lan)  # type: ignore[arg-type]
    await asyncio.to_thread(engine.backend)  # preflight, and for docker: build images before timing
    fleet = _fleet(backend, n, lan, octet, services)
    figures: dict[str, float] = {}
    if backend == "netns":
        figures["baseline_s_per_decky"] = await asyncio.to_thread(
            _baseline_netns, lan, _fleet(backend, n, lan, octet + 1, services), work / "baseline"
        )
    targets = [(d.ip, PORTS[s]) for d in fleet.deckies for s in d.services if s in PORTS]
    started = time.perf_counter()
    try:
        await asyncio.to_thread(engine.deploy, fleet, hairpin_ip=f"10.216.{octet}.2")
        await _until_all_answer(targets, timeout=120)
        figures["deploy_s_per_decky"] = (time.perf_counter() - started) / n
        await asyncio.sleep(1.0)  # let the runtimes settle after their first connections
        if backend == "netns":
            pids = [pid for d in fleet.deckies for pid in netns_pids(f"decnet-{d.name}")]
        else:
            import docker

            client = docker.from_env()
            pids = [
                int(client.containers.get(f"decnet-{d.name}").attrs["State"]["Pid"]) for d in fleet.deckies
            ]
        figures["rss_mb_per_decky"] = sum(_rss_kb(pid) for pid in pids) / 1024 / n
        figures["pss_mb_per_decky"] = sum(_pss_kb(pid) for pid in pids) / 1024 / n
    finally:
        t0 = time.perf_counter()
        await asyncio.to_thread(engine.teardown)
        figures["teardown_s"] = time.perf_counter() - t0
    return figures


async def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    tag = secrets.token_hex(3)
    lan, peer = f"dnb{tag}", f"dnb{tag}p"
    run("ip", "link", "add", lan, "type", "veth", "peer", "name", peer)
    run("ip", "link", "set", lan, "up")
    run("ip", "link", "set", peer, "up")
    sink = CountingSink()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="decnet-bench-") as tmp:
        work = Path(tmp)
        sock = work / "run" / "ingest.sock"
        receiver = EventReceiver(sink)
        await receiver.start_unix(sock)
        try:
            netns = await bench_backend("netns", args.deckies, lan, 10, args.services, work, sock)
            print(
                f"netns : {netns['deploy_s_per_decky']:.3f} s/decky until all services answer "
                f"(namespace plumbing alone: {netns['baseline_s_per_decky']:.3f} s/decky), "
                f"RSS {netns['rss_mb_per_decky']:.1f} MB/decky (PSS {netns['pss_mb_per_decky']:.1f}), "
                f"teardown {netns['teardown_s']:.2f} s"
            )
            out.update(
                netns_deploy_s_per_decky=round(netns["deploy_s_per_decky"], 3),
                netns_rss_mb_per_decky=round(netns["rss_mb_per_decky"], 1),
                docker_deploy_s_per_decky=None,
                docker_rss_mb_per_decky=None,
                teardown_s=round(netns["teardown_s"], 2),
            )
            if not args.no_docker:
                docker_figures = await bench_backend(
                    "docker", args.deckies, lan, 20, args.services, work, sock
                )
                print(
                    f"docker: {docker_figures['deploy_s_per_decky']:.3f} s/decky until all services answer, "
                    f"RSS {docker_figures['rss_mb_per_decky']:.1f} MB/decky "
                    f"(PSS {docker_figures['pss_mb_per_decky']:.1f}), "
                    f"teardown {docker_figures['teardown_s']:.2f} s"
                )
                out.update(
                    docker_deploy_s_per_decky=round(docker_figures["deploy_s_per_decky"], 3),
                    docker_rss_mb_per_decky=round(docker_figures["rss_mb_per_decky"], 1),
                    teardown_s=round(max(netns["teardown_s"], docker_figures["teardown_s"]), 2),
                )
        finally:
            await receiver.stop()
            run("ip", "link", "del", lan, check=False)
    print(f"({args.deckies} deckies per backend, services {args.services}; {sink.events} events received)")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="DECNET fleet benchmark (root)")
    parser.add_argument("--quick", action="store_true", help="4 deckies per backend (< 60 s)")
    parser.add_argument("--deckies", type=int, default=None, help="deckies per backend (default 10)")
    parser.add_argument("--services", default="ssh,http")
    parser.add_argument("--no-docker", action="store_true")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("bench/fleet.py needs root (network namespaces, macvlan, docker)")
    if args.deckies is None:
        args.deckies = 4 if args.quick else 10
    started = time.perf_counter()
    figures = asyncio.run(run_bench(args))
    print(f"({time.perf_counter() - started:.1f} s in all; project {PROJECT_ROOT})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
