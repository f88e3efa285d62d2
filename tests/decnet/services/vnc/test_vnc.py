"""The vnc service against an RFB client written here (3.8, 3.7, 3.3); lock-out; fuzzing."""

from __future__ import annotations

import asyncio
import struct

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceConfigError, parse_config
from decnet.services.vnc import VNCConfig, VNCService, rfb
from tests.decnet.services.ntlm.helpers import blast, garbage, linux_persona, running, windows_persona


def vnc_response(password: str, challenge: bytes) -> bytes:
    """The VNC authentication answer: DES with the bit-reversed password as key."""
    key = bytes(int(f"{b:08b}"[::-1], 2) for b in password.encode()[:8].ljust(8, b"\x00"))
    enc = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()
    return enc.update(challenge) + enc.finalize()


async def rfb_login(
    port: int, password: str, version: bytes = b"RFB 003.008\n"
) -> tuple[bytes, bytes, bytes]:
    """(server version, challenge, what follows the response) of one VNC authentication."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        server = await asyncio.wait_for(reader.readexactly(12), 5)
        writer.write(version)
        if version.endswith(b"003\n"):
            assert struct.unpack(">I", await reader.readexactly(4))[0] == 2
        else:
            count = (await reader.readexactly(1))[0]
            types = await reader.readexactly(count)
            if count == 0:
                size = struct.unpack(">I", await reader.readexactly(4))[0]
                return server, b"", await reader.readexactly(size)
            assert 2 in types
            writer.write(b"\x02")
        challenge = await reader.readexactly(16)
        writer.write(vnc_response(password, challenge))
        return server, challenge, await asyncio.wait_for(reader.read(1024), 5)
    finally:
        writer.close()


async def test_rfb38_vnc_auth_captured() -> None:
    async with running(VNCService, linux_persona()) as (_, ports, events):
        server, challenge, result = await rfb_login(ports[0], "s3cr3t")
        assert server == b"RFB 003.008\n"
        assert result == struct.pack(">I", 1) + rfb.reason("Authentication failed")
        (auth,) = await events.wait("auth")
        expected = f"$vnc$*{challenge.hex().upper()}*{vnc_response('s3cr3t', challenge).hex().upper()}"
        assert auth.fields["secret"] == expected and auth.fields["secret_kind"] == "vnc_des"
        assert auth.fields["protocol"] == "3.8" and auth.fields["result"] == "failure"
        assert events.of("handshake")[0].fields["client_version"] == "3.8"


async def test_older_clients_and_flavours() -> None:
    async with running(VNCService, windows_persona(), server="x11vnc") as (_, ports, events):
        _, _, result = await rfb_login(ports[0], "pw", b"RFB 003.008\n")
        assert result.endswith(b"password check failed!")
        _, _, result = await rfb_login(ports[0], "pw", b"RFB 003.007\n")
        assert result == struct.pack(">I", 1)
        _, challenge, result = await rfb_login(ports[0], "pw", b"RFB 003.003\n")
        assert result == struct.pack(">I", 1) and len(challenge) == 16
        assert [e.fields["protocol"] for e in events.of("auth")] == ["3.8", "3.7", "3.3"]


async def test_lockout_after_repeated_failures() -> None:
    async with running(VNCService, linux_persona(), blacklist_threshold=3, blacklist_timeout=60) as (
        _,
        ports,
        _ev,
    ):
        for _ in range(3):
            await rfb_login(ports[0], "guess")
        _, challenge, reason = await rfb_login(ports[0], "guess")
        assert challenge == b"" and reason == b"Too many security failures"


async def test_bad_version_and_hostile_input() -> None:
    inputs = garbage(3, 40, (b"RFB 003.008\n", b"RFB 003.003\n\x02", b"RFB 999.999\n"))
    async with running(VNCService, linux_persona(), idle_timeout=0.5, blacklist_threshold=0) as (
        _,
        ports,
        ev,
    ):
        await blast(ports[0], inputs)
        await ev.wait("disconnect", len(inputs), timeout=10)
        assert not [e for e in ev.of("disconnect") if e.fields["reason"] == "error"]
        _, _, result = await rfb_login(ports[0], "after")
        assert result.endswith(b"Authentication failed")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=16))
def test_fuzz_version(data: bytes) -> None:
    parsed = rfb.parse_version(data)
    if parsed is not None:
        assert rfb.effective_minor(*parsed) in (3, 7, 8)


def test_config_from_ini_strings() -> None:
    cfg = parse_config(
        "vnc", VNCConfig, {"ports": "5900, 5901", "server": "x11vnc", "blacklist_threshold": "0"}
    )
    assert isinstance(cfg, VNCConfig) and cfg.ports == (5900, 5901) and cfg.blacklist_threshold == 0
    for bad in ({"server": "realvnc"}, {"password": "x"}):
        with pytest.raises(ServiceConfigError):
            parse_config("vnc", VNCConfig, bad)
