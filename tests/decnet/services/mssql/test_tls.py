"""TLS inside TDS: a client that encrypts its LOGIN7 (ENCRYPT_OFF) or everything (ENCRYPT_ON)."""

from __future__ import annotations

import asyncio
import ssl
import struct
from pathlib import Path

import pytest

from decnet.services.mssql import MSSQLService, tds
from tests.decnet.services.streambase.helpers import running


def _prelogin(encryption: int) -> bytes:
    head = b"\x00\x00\x0b\x00\x06\x01\x00\x11\x00\x01\xff"
    return tds.packet(tds.PRELOGIN, head + b"\x0f\x00\x07\xd0\x00\x00" + bytes([encryption]))


def _login7(user: str, password: str) -> bytes:
    scrambled = bytes((((b << 4) & 0xF0) | (b >> 4)) ^ 0xA5 for b in password.encode("utf-16-le"))
    strings = [b"W\x00S\x00", user.encode("utf-16-le"), scrambled, "osql".encode("utf-16-le")]
    fixed = 94
    offsets, data = b"", b""
    for raw in strings:  # host, user, password, app
        offsets += struct.pack("<HH", fixed + len(data), len(raw) // 2)
        data += raw
    offsets += struct.pack("<HH", fixed + len(data), 0) * 5  # server, extension, library, language, db
    head = struct.pack("<IIIIII", 0, 0x74000004, 4096, 7, 1234, 0) + b"\x00" * 12
    body = (head + offsets).ljust(fixed, b"\x00") + data
    return tds.packet(tds.LOGIN7, struct.pack("<I", len(body)) + body[4:])


async def _read_tds(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await asyncio.wait_for(reader.readexactly(8), 5)
    return head[0], await reader.readexactly(struct.unpack("!H", head[2:4])[0] - 8)


@pytest.mark.parametrize("mode", [0, 1])
async def test_login_over_tls(tmp_path: Path, mode: int) -> None:
    async with running(MSSQLService, state_dir=tmp_path) as (_, [port], events):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_prelogin(mode))
        _, reply = await _read_tds(reader)
        assert reply[0x15 + 6] == mode  # the server agrees to what was asked
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        client = context.wrap_bio(incoming, outgoing, server_hostname="sql")
        for _ in range(6):
            try:
                client.do_handshake()
                break
            except ssl.SSLWantReadError:
                writer.write(tds.packet(tds.PRELOGIN, outgoing.read()))
                kind, data = await _read_tds(reader)
                assert kind == tds.PRELOGIN
                incoming.write(data)
        assert client.version() == "TLSv1.2"
        client.write(_login7("sa", "Tr0ub4dor&3"))
        writer.write(outgoing.read())
        if mode == 0:  # login-only encryption: the answer is clear text
            kind, answer = await _read_tds(reader)
        else:
            raw = await asyncio.wait_for(reader.read(65536), 5)
            incoming.write(raw)
            plain = client.read(65536)
            kind, answer = plain[0], plain[8:]
        writer.close()
        await events.wait("disconnect")
    assert kind == tds.REPLY and "Login failed for user 'sa'.".encode("utf-16-le") in answer
    [auth] = events.of("auth")
    assert auth.fields["password"] == "Tr0ub4dor&3" and auth.fields["tls_version"] == "TLSv1.2"
