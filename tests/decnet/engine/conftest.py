"""Fixtures of the engine tests: a private test LAN (veth pair) and a collector on a unix socket."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from decnet.engine.iproute import run
from decnet.events.receiver import EventReceiver
from tests.decnet.events.helpers import MemorySink


@pytest.fixture
def lan() -> Iterator[tuple[str, int]]:
    """A veth pair to hang deckies off: (parent interface, a number 20-219 for private subnets)."""
    tag = secrets.token_hex(3)
    parent, peer = f"dnt{tag}", f"dnt{tag}p"
    run("ip", "link", "add", parent, "type", "veth", "peer", "name", peer)
    run("ip", "link", "set", parent, "up")
    run("ip", "link", "set", peer, "up")
    try:
        yield parent, int(tag[:2], 16) % 200 + 20
    finally:
        run("ip", "link", "del", parent, check=False)


@pytest.fixture
async def collector(tmp_path: Path) -> AsyncIterator[tuple[MemorySink, Path]]:
    """A receiver on ``<tmp>/run/ingest.sock`` storing into an in-memory sink."""
    sock = tmp_path / "run" / "ingest.sock"
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.02)
    await receiver.start_unix(sock)
    try:
        yield sink, sock
    finally:
        await receiver.stop()


async def curl(*args: str) -> tuple[int, str]:
    """Run curl (headers included, 5 s limit); return its exit status and output."""
    proc = await asyncio.create_subprocess_exec(
        "curl", "-s", "-i", "--max-time", "5", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


async def until_http(ip: str, timeout: float = 20.0) -> str:
    """The first HTTP answer of ``http://ip/``, retrying until ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        code, out = await curl(f"http://{ip}/")
        if code == 0 and out.startswith("HTTP/1.1"):
            return out
        if loop.time() > deadline:
            raise AssertionError(f"no HTTP answer from {ip}: curl exit {code}")
        await asyncio.sleep(0.2)


def syn_ack_ttl(iface: str, mac: str, ip: str, port: int) -> int | None:
    """Send a SYN to ``ip:port`` (Ethernet to ``mac``, so no ARP cache is involved) on ``iface``;
    return the TTL of the SYN-ACK, or None if none came."""
    from scapy.all import IP, TCP, Ether, conf, srp1

    conf.verb = 0
    # Scapy reads the routing table once, at import; name the source address ourselves.
    src = run("ip", "-o", "-4", "addr", "show", "dev", iface).stdout.split()[3].split("/")[0]
    for _ in range(3):
        probe = (
            Ether(dst=mac)
            / IP(src=src, dst=ip)
            / TCP(sport=40000 + secrets.randbelow(20000), dport=port, flags="S")
        )
        reply = srp1(probe, iface=iface, timeout=2)
        if reply is not None and TCP in reply and reply[TCP].flags.SA:
            return int(reply[IP].ttl)
    return None
