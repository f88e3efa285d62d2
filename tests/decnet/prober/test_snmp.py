"""The SNMP check: its GetRequest is valid SNMP, its parser is bounded, its verdicts follow the persona."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from decnet.fleet.personas import derive_persona
from decnet.fleet.planner import plan_fleet
from decnet.prober.services import ServiceProbe
from decnet.prober.snmp import get_request, snmp_check, sys_descr_of
from decnet.prober.target import ProbeTarget
from decnet.prober.verdict import Observation
from decnet.services.snmp import ber, message

SYS_DESCR_OID = (1, 3, 6, 1, 2, 1, 1, 1, 0)
IP = "127.88.1.1"


def _response(text: bytes) -> bytes:
    bind = message.varbind(SYS_DESCR_OID, ber.enc_octets(text))  # type: ignore[arg-type]
    return message.response(1, b"public", 7, [bind])


def test_the_request_is_an_snmpv2c_get_of_sysdescr() -> None:
    parsed = message.parse(get_request(b"public", 1234))
    assert (parsed.version, parsed.community) == (1, b"public")
    assert parsed.pdu is not None and parsed.pdu.request_id == 1234
    assert [tuple(oid) for oid, _ in parsed.pdu.varbinds] == [SYS_DESCR_OID]


def test_the_parser_reads_short_and_long_strings_and_never_raises() -> None:
    assert sys_descr_of(_response(b"Linux web01 5.15.0-91-generic")) == b"Linux web01 5.15.0-91-generic"
    long = b"x" * 300
    assert sys_descr_of(_response(long)) == long
    whole = _response(long)
    assert sys_descr_of(whole[:-1]) is None
    assert sys_descr_of(b"") is None
    rng = random.Random(5)
    for _ in range(2000):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        sys_descr_of(blob + bytes.fromhex("06082b06010201010100") + blob)


def _probe() -> ServiceProbe:
    spec = plan_fleet(
        deckies=1, subnet="127.88.1.0/24", services="snmp", distros="debian", seed="f5" * 32, backend="local"
    ).deckies[0]
    spec = spec.model_copy(update={"ip": IP})
    return ServiceProbe(
        ProbeTarget(spec, derive_persona(spec), None, "macvlan"), "snmp", (16161,), Observation(), 1.0
    )


class _Agent(asyncio.DatagramProtocol):
    def __init__(self, answer: bytes | None) -> None:
        self.answer = answer
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.answer is not None and self.transport is not None:
            self.transport.sendto(self.answer, addr)


@asynccontextmanager
async def _agent(answer: bytes | None) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _Agent(answer), local_addr=(IP, 16161))
    try:
        yield
    finally:
        transport.close()
        await asyncio.sleep(0.01)  # the socket closes on the next loop turn


async def test_verdicts_follow_the_persona() -> None:
    probe = _probe()
    persona = probe.target.persona
    right = f"Linux {persona.hostname} {persona.kernel} #1 SMP x86_64".encode()
    async with _agent(_response(right)):
        (good,) = await snmp_check(probe)
    assert good.passed is True and persona.kernel in good.evidence
    assert probe.observation.banners["snmp:16161/udp"].startswith("Linux ")
    async with _agent(_response(b"Linux other 3.10.0-1160.el7.x86_64 #1 SMP x86_64")):
        (wrong,) = await snmp_check(_probe())
    assert wrong.passed is False and "Linux persona" in wrong.evidence
    async with _agent(None):
        (silent,) = await snmp_check(_probe())
    assert silent.passed is False and "no answer" in silent.evidence
    async with _agent(b"\x30\x03\x02\x01\x01"):
        (odd,) = await snmp_check(_probe())
    assert odd.passed is False and "without sysDescr" in odd.evidence
