"""The rdp service against an X.224 probe and a CredSSP (NLA) client written here; fuzzing."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceConfigError, parse_config
from decnet.services.ntlm import ber
from decnet.services.rdp import RDPConfig, RDPService
from decnet.services.rdp import protocol as p
from tests.decnet.services.ntlm.helpers import (
    blast,
    exchange,
    garbage,
    ntlm_authenticate,
    ntlm_negotiate,
    parse_challenge,
    running,
    verify_hashcat_5600,
    windows_persona,
)


def connection_request(cookie: bytes, protocols: int | None) -> bytes:
    data = cookie + (struct.pack("<BBHI", 1, 0, 8, protocols) if protocols is not None else b"")
    tpdu = bytes([6 + len(data), 0xE0, 0, 0, 0, 0, 0]) + data
    return struct.pack(">BBH", 3, 0, 4 + len(tpdu)) + tpdu


#: nmap's TerminalServerCookie probe.
NMAP_PROBE = connection_request(b"Cookie: mstshash=nmap\r\n", 3)


async def test_x224_probe_answered_like_windows(tmp_path: Path) -> None:
    async with running(RDPService, windows_persona(), tmp_path) as (_, ports, events):
        reply = await exchange(ports[0], NMAP_PROBE, timeout=0.5)
        assert reply.startswith(
            b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x1f\x08\x00\x02\x00\x00\x00"
        )
        only_ssl = await exchange(ports[0], connection_request(b"Cookie: mstshash=admin\r\n", 1), timeout=2)
        assert only_ssl == b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x03\x00\x08\x00\x05\x00\x00\x00"
        requests = [e.fields for e in events.of("connection_request")]
        assert requests[0]["username"] == "nmap" and requests[0]["requested"] == "ssl,hybrid"
        assert requests[0]["selected"] == "hybrid"
        assert requests[1]["username"] == "admin" and requests[1]["selected"] == "failure"


def _client_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


async def _read_der(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readexactly(2), 5)
    extra = b""
    size = head[1]
    if size & 0x80:
        extra = await reader.readexactly(size & 0x7F)
        size = int.from_bytes(extra, "big")
    return head + extra + await reader.readexactly(size)


async def test_nla_credssp_ntlmv2_captured(tmp_path: Path) -> None:
    async with running(RDPService, windows_persona(), tmp_path) as (_, ports, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
        writer.write(connection_request(b"Cookie: mstshash=administrator\r\n", 0x0B))
        confirm = await reader.readexactly(19)
        assert confirm[11] == 0x02 and confirm[15] == 0x02
        await writer.start_tls(_client_tls())
        writer.write(p.ts_request(token=ntlm_negotiate(), version=6))
        answer = p.parse_ts_request(await _read_der(reader))
        assert answer.version == 6 and answer.token is not None
        _, avs, _, version = parse_challenge(answer.token)
        assert avs[3].decode("utf-16-le") == "SRV-ATLAS-07.corp.local" and version[:2] == b"\x0a\x00"
        writer.write(p.ts_request(token=ntlm_authenticate(answer.token, "Administrator", "P@ssw0rd", "CORP")))
        final = ber.children(ber.decode(await _read_der(reader)))
        error = [f for f in final if f.is_(ber.CONTEXT, 4)]
        assert error and ber.to_int(ber.decode(error[0].value)) & 0xFFFFFFFF == 0xC000006D
        writer.close()
        (auth,) = await events.wait("auth")
        assert auth.fields["username"] == "Administrator" and auth.fields["method"] == "credssp"
        assert verify_hashcat_5600(auth.fields["secret"], "P@ssw0rd")
        assert auth.fields["tls_version"].startswith("TLS")
        negotiate = events.of("credssp")[0].fields
        assert negotiate["stage"] == "negotiate" and negotiate["client_version"] == "10.0.19041"


def mcs_connect_initial(name: str) -> bytes:
    core = struct.pack("<HHIHHHHII", 0xC001, 216, 0x00080004, 1920, 1080, 0xCA01, 0xAA03, 0x409, 19041)
    core += name.encode("utf-16-le").ljust(32, b"\x00") + bytes(216 - 56)
    blob = b"\x7f\x65\x82\x01\x00" + bytes(40) + core
    x224 = b"\x02\xf0\x80" + blob
    return struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224


async def test_tls_only_reads_the_client_name(tmp_path: Path) -> None:
    async with running(RDPService, windows_persona(), tmp_path, nla=False) as (_, ports, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
        writer.write(connection_request(b"Cookie: mstshash=bob\r\n", 0x03))
        confirm = await reader.readexactly(19)
        assert confirm[15] == 0x01  # SSL selected
        await writer.start_tls(_client_tls())
        writer.write(mcs_connect_initial("WIN-ATTACKER"))
        await writer.drain()
        (mcs,) = await events.wait("mcs_connect")
        writer.close()
        assert mcs.fields["client_name"] == "WIN-ATTACKER" and mcs.fields["client_build"] == "19041"
        assert mcs.fields["desktop"] == "1920x1080"
        reply = await exchange(ports[0], connection_request(b"", 0), timeout=2)
        assert reply.endswith(b"\x03\x00\x08\x00\x01\x00\x00\x00")  # SSL required by server


async def test_hostile_input(tmp_path: Path) -> None:
    prefixes = (
        b"\x03\x00\x00\x2a\x25\xe0\x00\x00\x00\x00\x00",
        b"\x03\x00\xff\xff",
        b"\x03\x00\x00\x13\x0e\xe0",
    )
    inputs = garbage(5, 50, prefixes)
    async with running(RDPService, windows_persona(), tmp_path, idle_timeout=0.5) as (_, ports, events):
        await blast(ports[0], inputs)
        await events.wait("disconnect", len(inputs), timeout=10)
        assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
        reply = await exchange(ports[0], NMAP_PROBE, timeout=0.5)
        assert reply[11:13] == b"\x02\x1f"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_rdp_parsers(data: bytes) -> None:
    for blob in (data, b"\x03\x00\x00\x20\x1b\xe0" + data, b"\x30\x82\x01\x00" + data):
        with contextlib.suppress(p.RDPError):
            p.tpkt_length(blob[:4])
        with contextlib.suppress(p.RDPError):
            p.parse_connection_request(blob)
        with contextlib.suppress(p.RDPError):
            p.parse_ts_request(blob)
        p.parse_client_core(blob)


def test_config_from_ini_strings() -> None:
    cfg = parse_config("rdp", RDPConfig, {"ports": "3389", "nla": "false"})
    assert isinstance(cfg, RDPConfig) and cfg.ports == (3389,) and cfg.nla is False
    for bad in ({"nla": "maybe"}, {"security_layer": "rdp"}):
        with pytest.raises(ServiceConfigError):
            parse_config("rdp", RDPConfig, bad)


async def test_hostile_credssp_after_tls(tmp_path: Path) -> None:
    inputs = garbage(
        9, 20, (b"\x30\x82\x01\x00\xa0\x03\x02\x01\x06\xa1", b"\x30\x84\x7f\xff\xff\xff", b"\x30\x10")
    )
    # idle_timeout also bounds the TLS handshake: leave room for 20 handshakes on a busy machine.
    async with running(RDPService, windows_persona(), tmp_path, idle_timeout=3) as (_, ports, events):

        async def one(data: bytes) -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
            writer.write(connection_request(b"Cookie: mstshash=x\r\n", 0x03))
            await reader.readexactly(19)
            await writer.start_tls(_client_tls())
            try:  # the server may drop the connection while the garbage is still being written
                writer.write(data)
                await writer.drain()
                await asyncio.wait_for(reader.read(4096), 1.0)
            except (TimeoutError, ConnectionError, ssl.SSLError):
                pass
            finally:
                writer.close()

        await asyncio.gather(*(one(data) for data in inputs))
        await events.wait("disconnect", len(inputs), timeout=10)
        assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
        assert (await exchange(ports[0], NMAP_PROBE, timeout=0.5))[11:13] == b"\x02\x1f"
