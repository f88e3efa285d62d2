"""The SNMP check: an SNMPv2c GET of sysDescr.0 with community ``public`` over UDP.

The answer must come, and its sysDescr must be the persona's: its own ``sysdescr`` (Windows,
Cisco, devices) or, for a Linux persona, net-snmp's ``uname`` line carrying the persona's kernel.
The sysDescr also feeds the OS-family check. Parsing is minimal and bounded: the OID of
sysDescr.0 followed by an OCTET STRING.
"""

from __future__ import annotations

import asyncio
import secrets

from decnet.fleet.internal import probe_source
from decnet.prober.services import BANNER_WEIGHT, ServiceProbe, service_check
from decnet.prober.verdict import Verdict, printable

#: BER of the OID 1.3.6.1.2.1.1.1.0 (sysDescr.0).
SYS_DESCR = bytes.fromhex("06082b06010201010100")
MAX_DATAGRAM = 4096


def _tlv(tag: int, content: bytes) -> bytes:
    if len(content) < 0x80:
        return bytes([tag, len(content)]) + content
    size = len(content).to_bytes((len(content).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def get_request(community: bytes, request_id: int) -> bytes:
    """An SNMPv2c GetRequest of sysDescr.0."""
    binding = _tlv(0x30, SYS_DESCR + b"\x05\x00")
    pdu = _tlv(0x02, request_id.to_bytes(4, "big")) + b"\x02\x01\x00\x02\x01\x00" + _tlv(0x30, binding)
    return _tlv(0x30, b"\x02\x01\x01" + _tlv(0x04, community) + _tlv(0xA0, pdu))


def sys_descr_of(response: bytes) -> bytes | None:
    """The sysDescr OCTET STRING of a response, or None if it has none (bounded, never raises)."""
    at = response.find(SYS_DESCR)
    if at < 0:
        return None
    at += len(SYS_DESCR)
    if at + 2 > len(response) or response[at] != 0x04:
        return None
    length, at = response[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 2 or at + count > len(response):
            return None
        length, at = int.from_bytes(response[at : at + count], "big"), at + count
    if at + length > len(response):
        return None
    return response[at : at + length]


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if not self.answer.done():
            self.answer.set_result(data[:MAX_DATAGRAM])


async def query(ip: str, port: int, timeout: float, tries: int = 2) -> bytes | None:
    """The first answer to a sysDescr GET (retried once: UDP may drop), or None."""
    loop = asyncio.get_running_loop()
    source = probe_source(ip)
    local = (source, 0) if source is not None else None
    transport, protocol = await loop.create_datagram_endpoint(
        _Receiver, local_addr=local, remote_addr=(ip, port)
    )
    try:
        for _ in range(tries):
            transport.sendto(get_request(b"public", secrets.randbelow(2**31)))
            try:
                return await asyncio.wait_for(asyncio.shield(protocol.answer), timeout / tries)
            except TimeoutError:
                continue
        return None
    finally:
        transport.close()


def expected(probe: ServiceProbe, descr: str) -> str:
    """What is wrong with ``descr`` for the persona ('' if nothing)."""
    persona = probe.target.persona
    own = persona.version_of("sysdescr")
    if own:
        return "" if descr == own else f"persona's sysDescr is {printable(own, 80)!r}"
    if persona.os_family == "linux" and not (descr.startswith("Linux ") and persona.kernel in descr):
        return f"a Linux persona's net-snmp says 'Linux {persona.hostname} {persona.kernel} ...'"
    return ""


@service_check("snmp", udp=True)
async def snmp_check(probe: ServiceProbe) -> list[Verdict]:
    """sysDescr.0 over SNMPv2c (community public) answers and matches the persona."""
    port = probe.ports[0]
    check = f"banner:{probe.slug}"
    try:
        answer = await query(probe.target.ip, port, probe.timeout)
    except OSError as exc:
        return [Verdict.of(check, False, f"udp {port}: {exc}", BANNER_WEIGHT)]
    if answer is None:
        return [
            Verdict.of(
                check, False, f"udp {port}: no answer to a sysDescr GET (community public)", BANNER_WEIGHT
            )
        ]
    raw = sys_descr_of(answer)
    if raw is None:
        return [
            Verdict.of(
                check, False, f"udp {port}: answer without sysDescr ({len(answer)} bytes)", BANNER_WEIGHT
            )
        ]
    descr = printable(raw, 255)
    probe.observation.banners[f"{probe.slug}:{port}/udp"] = descr
    problem = expected(probe, descr)
    evidence = f"sysDescr {descr!r}" + (f": {problem}" if problem else "")
    return [Verdict.of(check, not problem, evidence, BANNER_WEIGHT)]
