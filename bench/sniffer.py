"""Sniffer benchmark: packets per second sustained without losing new-flow analysis.

    .venv/bin/python bench/sniffer.py [--quick] [--rates 10000,20000,...] [--seconds S]

A network namespace ``dsn-bench`` holds ``dsn-b0``; its veth peer ``dsn-b1`` stays here and
the sniffer (the real :class:`~decnet.sniffer.service.Sniffer`: kernel BPF filter, capture
thread, analyser, SQLite storage every second) captures on it. A generator process inside the
namespace transmits prebuilt frames at a paced rate: 70% data segments of established flows,
25% SYNs from 200 sources (fingerprints and scan detection), and every 200th packet a new
"probe" flow (SYN plus a TLS ClientHello naming a unique SNI). A rate is sustained when the
sniffer captured at least 99.9% of what was sent with no kernel drop and every probe flow's
JA4/SNI reached the database. The rate steps up until one is not sustained.

Prints one line per rate and, last, one JSON object:
``{"sniffer_pps": …, "offered_pps": …, "captured_pps": …, "probe_flows": …, "probes_analysed": …}``.
Target: >= 20,000 pps. Needs root (network namespaces, raw sockets). Reports; does not gate CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NETNS, INSIDE, OUTSIDE = "dsn-bench", "dsn-b0", "dsn-b1"
DECKY = "10.231.0.1"
PROBE_EVERY = 200


def _ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], capture_output=True, timeout=10, check=check)


def lan_up() -> None:
    """Create the namespace and the veth pair (removing leftovers first)."""
    lan_down()
    _ip("netns", "add", NETNS)
    _ip("link", "add", OUTSIDE, "type", "veth", "peer", "name", INSIDE, "netns", NETNS)
    _ip("link", "set", OUTSIDE, "up")
    _ip("-n", NETNS, "link", "set", INSIDE, "up")


def lan_down() -> None:
    """Remove the namespace and the veth pair."""
    _ip("netns", "del", NETNS, check=False)
    _ip("link", "del", OUTSIDE, check=False)


# -- generator (runs inside the namespace) ----------------------------------------------------


def _frames(tag: str, total: int) -> tuple[list[bytes], int]:
    """The frame sequence of one round and how many probe flows it holds."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    from tests.decnet.sniffer.hello import alpn, client_hello, sni, u16_list

    rng = random.Random(f"{tag}-{total}")
    data = [
        bytes(
            Ether()
            / IP(src=f"10.231.0.{10 + i % 200}", dst=DECKY)
            / TCP(sport=20000 + i, dport=80, flags="A", seq=rng.randrange(1 << 32))
            / (b"x" * 200)
        )
        for i in range(500)
    ]
    syns = [
        bytes(
            Ether()
            / IP(src=f"10.231.0.{10 + i % 200}", dst=DECKY, ttl=64 - i % 3, flags="DF")
            / TCP(
                sport=30000 + i,
                dport=1 + i % 1024,
                flags="S",
                window=rng.choice((1024, 29200, 64240, 65535)),
                options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (i, 0)), ("NOP", None), ("WScale", 7)],
            )
        )
        for i in range(500)
    ]
    frames: list[bytes] = []
    probes = 0
    for n in range(total):
        if n % PROBE_EVERY == PROBE_EVERY - 1:
            src, sport = f"10.231.0.{210 + probes % 40}", 40000 + probes % 20000
            ext = [
                (0, sni(f"{tag}-p{probes}.bench")),
                (16, alpn(b"h2")),
                (13, u16_list([0x0403])),
                (43, b"\x02\x03\x04"),
            ]
            hello = client_hello(0x0303, [0x1301, 0x1302, 0xC02B], ext)
            isn = rng.randrange(1 << 31)
            syn = TCP(sport=sport, dport=443, flags="S", seq=isn)
            data_seg = TCP(sport=sport, dport=443, flags="PA", seq=isn + 1)
            frames.append(bytes(Ether() / IP(src=src, dst=DECKY) / syn))
            frames.append(bytes(Ether() / IP(src=src, dst=DECKY) / data_seg / hello))
            probes += 1
        elif n % 4 == 0:
            frames.append(syns[n % len(syns)])
        else:
            frames.append(data[n % len(data)])
    return frames, probes


def generate(iface: str, rate: int, seconds: float, tag: str) -> dict[str, int]:
    """Send a round's frames at ``rate`` packets per second (paced per millisecond)."""
    frames, probes = _frames(tag, int(rate * seconds))
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    send = sock.send
    start = time.perf_counter()
    sent = 0
    total = len(frames)
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * rate) + 1)
        while sent < due:
            try:
                send(frames[sent])
            except BlockingIOError:
                time.sleep(0.0001)
                continue
            sent += 1
        if sent < total:
            time.sleep(0.0005)
    elapsed = time.perf_counter() - start
    return {"sent": sent, "probes": probes, "elapsed_us": int(elapsed * 1e6)}


# -- one round ------------------------------------------------------------------------------


async def _round(sniffer: object, repo: object, rate: int, seconds: float) -> dict[str, float]:
    from decnet.db.repository import SQLModelRepository
    from decnet.sniffer.service import Sniffer

    assert isinstance(sniffer, Sniffer) and isinstance(repo, SQLModelRepository)
    tag = f"r{rate}"
    before = sniffer.counters()
    command = [
        "ip",
        "netns",
        "exec",
        NETNS,
        sys.executable,
        __file__,
        "--generate",
        "--iface",
        INSIDE,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        "--tag",
        tag,
    ]
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    flushing = True

    async def flush_loop() -> None:
        while flushing:
            await asyncio.sleep(1.0)
            await sniffer.step()

    flusher = asyncio.create_task(flush_loop())
    out, err = await proc.communicate()
    flushing = False
    await flusher
    if proc.returncode != 0:
        raise RuntimeError(f"generator failed: {err.decode()[-500:]}")
    sent = json.loads(out.decode().strip().splitlines()[-1])
    await asyncio.sleep(1.0)
    await sniffer.flush()
    after = sniffer.counters()
    captured = after["packets"] - before["packets"]
    drops = after["kernel_drops"] - before["kernel_drops"]
    rows = await repo.list_fingerprints(kind="tls_sni", limit=100000)
    analysed = sum(1 for r in rows if r.value.startswith(f"{tag}-p"))
    elapsed = sent["elapsed_us"] / 1e6
    return {
        "rate": rate,
        "offered_pps": sent["sent"] / elapsed,
        "captured_pps": captured / elapsed,
        "sent": sent["sent"],
        "captured": captured,
        "kernel_drops": drops,
        "sampled_out": after["sampled_out"] - before["sampled_out"],
        "probes": sent["probes"],
        "analysed": analysed,
    }


async def bench(rates: list[int], seconds: float, *, ring: bool = True) -> dict[str, float]:
    """Step through ``rates``; the figures of the highest sustained one."""
    from decnet.config import Settings
    from decnet.db import get_repository
    from decnet.sniffer.config import SnifferConfig
    from decnet.sniffer.service import Sniffer

    best: dict[str, float] = {"rate": 0, "offered_pps": 0, "captured_pps": 0, "probes": 0, "analysed": 0}
    with tempfile.TemporaryDirectory(prefix="dsn-bench-") as tmp:
        repo = get_repository(Settings(data_dir=Path(tmp)))
        await repo.initialize()
        lan_up()
        config = SnifferConfig() if ring else SnifferConfig(ring_blocks=0)
        sniffer = Sniffer(OUTSIDE, repo, config, promisc=False)
        try:
            sniffer.start()
            for rate in rates:
                result = await _round(sniffer, repo, rate, seconds)
                ok = (
                    result["kernel_drops"] == 0
                    and result["captured"] >= 0.999 * result["sent"]
                    and result["analysed"] == result["probes"]
                )
                verdict = "sustained" if ok else "NOT sustained"
                print(
                    f"rate {rate:>7} pps: offered {result['offered_pps']:>9.0f},"
                    f" captured {result['captured_pps']:>9.0f} pps, kernel drops {result['kernel_drops']},"
                    f" sampled out {result['sampled_out']},"
                    f" probe flows {result['analysed']}/{result['probes']} -> {verdict}",
                    flush=True,
                )
                if not ok:
                    break
                best = result
        finally:
            sniffer.stop()
            lan_down()
            await repo.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short rounds (about 30 s in all)")
    parser.add_argument("--rates", help="comma-separated rates to step through")
    parser.add_argument("--seconds", type=float, help="seconds per rate")
    parser.add_argument("--recv", action="store_true", help="read with recv() instead of the TPACKET_V3 ring")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--iface", default=INSIDE, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=int, default=1000, help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="r", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        print(json.dumps(generate(args.iface, args.rate, args.seconds or 1.0, args.tag)))
        return
    default = (
        "5000,10000,20000,30000,40000" if args.quick else "5000,10000,20000,30000,40000,60000,80000,120000"
    )
    rates = [int(r) for r in (args.rates or default).split(",")]
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    best = asyncio.run(bench(rates, seconds, ring=not args.recv))
    print(
        json.dumps(
            {
                "sniffer_pps": int(best["captured_pps"]),
                "offered_pps": int(best["offered_pps"]),
                "captured_pps": int(best["captured_pps"]),
                "probe_flows": int(best["probes"]),
                "probes_analysed": int(best["analysed"]),
            }
        )
    )


if __name__ == "__main__":
    main()
