"""Tunnelling, amplification and floods are logged as their own events; floods stay bounded."""

from __future__ import annotations

import asyncio
import socket

from decnet.services.dns import DNSService
from decnet.services.dns import message as m

from .support import make_persona, run, running


def query(name: str, qtype: int = m.A, ident: int = 1, edns: int | None = None) -> bytes:
    b = m.Builder()
    b.question(m.Question(m.name_from_text(name), qtype, m.IN))
    if edns is not None:
        b.opt(edns)
    return b.finish(ident, 0x0100)


async def test_long_and_random_labels_are_tunnelling() -> None:
    async with running(DNSService, persona=make_persona(hostname="h.example.org")) as (svc, events):
        label = "nbswy3dpeb3w64tmmqqgc3tdnfxgo3dfmvzsa5dpebzwk3tfmnzgk5a"
        code, out, _ = await run(
            "dig", "-p", str(svc.bound_ports[0]), "@127.0.0.1", f"{label}.example.org", "TXT"
        )
        assert code == 0 and "NXDOMAIN" in out
        [tunnel] = await events.wait("tunnel")
    assert "long_label" in tunnel.fields["reasons"] and tunnel.fields["qtype"] == "TXT"
    assert events.of("query")[0].fields["qname"] == f"{label}.example.org."


async def test_txt_flood_any_and_large_edns() -> None:
    async with running(DNSService, persona=make_persona(hostname="h.example.org"), txt_flood=5) as (
        svc,
        events,
    ):
        port = svc.bound_ports[0]
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            for i in range(6):
                await loop.sock_sendto(sock, query(f"c{i}.example.org", m.TXT, i), ("127.0.0.1", port))
                await loop.sock_recv(sock, 4096)
            await loop.sock_sendto(sock, query("example.org", m.ANY, 99, edns=4096), ("127.0.0.1", port))
            reply = m.parse(await loop.sock_recv(sock, 65535))
        [flood] = [e for e in events.of("tunnel") if "txt_flood" in e.fields["reasons"]]
        assert flood.fields["distinct_names"] == "5"
        [amp] = await events.wait("amplification")
    assert (
        set(amp.fields["reasons"].split(",")) == {"any", "large_edns"} and amp.fields["edns_size"] == "4096"
    )
    assert (
        reply.id == 99 and len(reply.answers) >= 4 and reply.edns is not None and reply.edns.udp_size == 1232
    )


async def test_a_udp_flood_is_rate_limited_and_summarised() -> None:
    async with running(DNSService, rate=5, burst=10) as (svc, events):
        port = svc.bound_ports[0]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for i in range(300):
                sock.sendto(query("www.google.com", ident=i), ("127.0.0.1", port))
            await asyncio.sleep(0.3)
            answered = len(events.of("query"))
    assert 10 <= answered <= 15
    [summary] = events.of("rate_limited")
    dropped = int(summary.fields["dropped"])
    assert dropped >= 150 and dropped + answered <= 300  # the kernel may drop some before we read them
