"""Prober and mutator benchmark on real local deckies (127.84.0.0/24).

    .venv/bin/python bench/realism.py [--quick] [--deckies N] [--mutations M]

Deploys N deckies (ssh, http, https; default 20) with the local backend through a reconcile
pass, with a collector storing into a SQLite repository, then measures:

- ``prober_s_per_decky``: seconds of one full prober pass over the fleet, divided by N
  (every check: ports, banners, SSH host keys, TLS certificates, closed-port sample, OS
  family, fleet-wide uniqueness; the SYN-ACK check does not apply to local deckies);
- ``mutation_s``: mean seconds from the mutation decision (``mutate_decky``) until every new
  service of the decky answers (TCP connect plus an SSH banner or HTTP status line), over M
  mutations, applied by the reconcile pass a fleet agent runs.

Needs root (ports 22/80/443 on 127.x). Last line, one JSON object:
``{"deckies": N, "prober_s_per_decky": …, "prober_flagged": …, "mutation_s": …}``. Targets (issue 8):
<= 1 s per decky, <= 5 s per mutation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from decnet.collector import RepositorySink
from decnet.config import Settings
from decnet.db import get_repository
from decnet.engine.deployer import FleetEngine
from decnet.engine.reconcile import decky_record, reconcile_host
from decnet.events.receiver import EventReceiver
from decnet.fleet.planner import plan_fleet
from decnet.mutator.apply import mutate_decky
from decnet.prober.runner import Prober, ProberConfig

HOST = "benchhost"
PORTS = {"ssh": 22, "http": 80, "https": 443}
AVAILABLE = set(PORTS)


async def _answers(ip: str, port: int) -> bool:
    context = None
    if port == 443:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port, ssl=context), 1.0)
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    try:
        if port != 22:
            writer.write(b"GET / HTTP/1.0\r\n\r\n")
        head = await asyncio.wait_for(reader.read(16), 2.0)
        return head.startswith((b"SSH-", b"HTTP/"))
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    finally:
        writer.close()


async def _until_answering(ip: str, services: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for slug in services:
        while not await _answers(ip, PORTS[slug]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{ip}:{PORTS[slug]} ({slug}) does not answer")
            await asyncio.sleep(0.05)


async def bench(deckies: int, mutations: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="decnet-bench-realism-") as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            ingest_socket=Path(tmp) / "run" / "ingest.sock",
            log_target=f"file:{Path(tmp) / 'decnet.log'}",
        )
        repo = get_repository(settings)
        await repo.initialize()
        receiver = EventReceiver(RepositorySink(repo), flush_interval=0.05)
        await receiver.start_unix(settings.ingest_socket)
        engine = FleetEngine(settings, "local")
        fleet = plan_fleet(
            deckies=deckies, subnet="127.84.0.0/24", ip_start="127.84.0.10", services="ssh,http,https",
            archetype="linux-server", seed="b1" * 32, backend="local", name_prefix="bench",
        )  # fmt: skip
        try:
            for spec in fleet.deckies:
                await repo.upsert_decky(
                    spec.name, host=HOST, spec=decky_record(spec, fleet, None), ip=spec.ip, mac=spec.mac,
                    hostname=spec.hostname, backend="local",
                )  # fmt: skip
            started = time.monotonic()
            result = await reconcile_host(settings, repo, HOST)
            if result.failed:
                raise RuntimeError(f"deploy failed: {result.failed}")
            for spec in fleet.deckies:
                await _until_answering(spec.ip, spec.services)
            print(f"deployed {deckies} deckies in {time.monotonic() - started:.1f}s", flush=True)

            prober = Prober(ProberConfig(closed_ports=(23, 25, 110, 143, 3389, 5900, 9200)))
            started = time.monotonic()
            reports = await prober.probe(await repo.list_deckies())
            probe_s = time.monotonic() - started
            flagged = [r.decky for r in reports if r.flagged]
            print(
                f"prober pass: {probe_s:.2f}s for {len(reports)} deckies, flagged: {flagged or 'none'}",
                flush=True,
            )

            times = []
            for spec in fleet.deckies[:mutations]:
                started = time.monotonic()
                outcome = await mutate_decky(repo, spec.name, "operator", available=AVAILABLE)
                applied = await reconcile_host(settings, repo, HOST)
                if applied.failed or spec.name not in applied.redeployed:
                    raise RuntimeError(f"mutation of {spec.name} not applied: {applied}")
                await _until_answering(spec.ip, outcome.new_services)
                times.append(time.monotonic() - started)
                print(
                    f"mutation {spec.name}: {outcome.old_services} -> {outcome.new_services} "
                    f"answering after {times[-1]:.2f}s",
                    flush=True,
                )
        finally:
            await asyncio.to_thread(engine.teardown)
            await receiver.stop()
            await repo.close()
    return {
        "deckies": deckies,
        "prober_s_per_decky": round(probe_s / max(1, len(reports)), 3),
        "prober_flagged": len(flagged),
        "mutation_s": round(statistics.mean(times), 3) if times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 mutations instead of 5 (under 90 s)")
    parser.add_argument("--deckies", type=int, default=20)
    parser.add_argument("--mutations", type=int, default=None)
    args = parser.parse_args()
    mutations = args.mutations if args.mutations is not None else (3 if args.quick else 5)
    figures = asyncio.run(bench(args.deckies, min(mutations, args.deckies)))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
