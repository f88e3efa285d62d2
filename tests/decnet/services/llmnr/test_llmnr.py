"""The llmnr service: LLMNR/mDNS queries from dig, a Responder-style poisoner caught by bait queries."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceContext
from decnet.services.dns import message as m
from decnet.services.llmnr import LLMNRService

from ..dns.support import Events, make_persona, run, running

SERVICE = LLMNRService(ServiceContext(make_persona(), "127.0.0.1", Events(), Path("/nonexistent")))


async def dig(port: int, *args: str) -> str:
    _code, out, err = await run(
        "dig", "-p", str(port), "@127.0.0.1", "+time=1", "+tries=1", "+norecurse", *args
    )
    return out + err


async def test_queries_are_logged_and_only_the_own_name_answered() -> None:
    async with running(LLMNRService, ports=(0, 0), multicast=False, bait_interval=0) as (svc, events):
        llmnr, mdns = svc.bound_ports
        out = await dig(llmnr, "SRV-ATLAS-07", "A")
        assert "ANSWER: 1" in out and "SRV-ATLAS-07.\t\t30\tIN\tA\t127.0.0.1" in out
        out = await dig(llmnr, "wpad", "A")
        assert "timed out" in out or "no servers could be reached" in out
        out = await dig(mdns, "srv-atlas-07.local", "A")
        assert "srv-atlas-07.local.\t30\tIN\tA\t127.0.0.1" in out  # legacy unicast answer
    queries = events.of("query")
    assert [(q.fields["protocol"], q.fields["qname"], q.fields["answered"]) for q in queries] == [
        ("llmnr", "SRV-ATLAS-07.", "1"),
        ("llmnr", "wpad.", "0"),
        ("mdns", "srv-atlas-07.local.", "1"),
    ]


async def test_a_responder_answering_bait_is_poisoning() -> None:
    async with running(LLMNRService, ports=(0, 0), multicast=False, bait_interval=0) as (svc, events):
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as responder:
            responder.bind(("127.0.0.1", 0))
            responder.setblocking(False)
            assert svc.send_bait(responder.getsockname()) == 6
            for _ in range(6):  # answer every query with our own address, as Responder does
                data, addr = await asyncio.wait_for(loop.sock_recvfrom(responder, 4096), 2)
                query = m.parse(data)
                b = m.Builder()
                b.question(query.questions[0])
                b.record(m.RR(query.questions[0].name, m.A, 30, bytes([10, 6, 6, 6])), 1)
                await loop.sock_sendto(responder, b.finish(query.id, 0x8000), addr)
            b = m.Builder()
            b.record(m.RR((b"someprinter", b"local"), m.A, 120, bytes([10, 1, 1, 9])), 1)
            await loop.sock_sendto(responder, b.finish(0, 0x8400), ("127.0.0.1", svc.bound_ports[1]))
            await events.wait("poisoning", 6)
            [unsolicited] = await events.wait("unsolicited_response")
    names = sorted(e.fields["name"] for e in events.of("poisoning"))
    assert names == sorted(
        ["fileserver01.", "printsrv.", "wpad.", "fileserver01.local.", "printsrv.local.", "wpad.local."]
    )
    assert all(
        e.fields["answers"] == "10.6.6.6" and e.fields["reason"] == "bait" for e in events.of("poisoning")
    )
    assert unsolicited.fields["name"] == "someprinter.local." and unsolicited.fields["protocol"] == "mdns"


async def test_multicast_join_failure_is_not_fatal() -> None:
    async with running(LLMNRService, ports=(0, 0), multicast=True, bait_interval=0.05) as (svc, events):
        out = await dig(svc.bound_ports[0], "srv-atlas-07", "A")
        await asyncio.sleep(0.2)  # the bait loop runs (sending to the groups may fail on loopback)
    assert "127.0.0.1" in out and events.of("query")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["llmnr", "mdns"]), st.integers(1, 65535))
def test_any_bytes(data: bytes, protocol: str, port: int) -> None:
    for reply, _ in SERVICE.handle(data, protocol, False, "192.0.2.7", port):
        assert len(reply) < 600
    SERVICE.ctx.events.items.clear()  # type: ignore[attr-defined]
