"""MySQL wire packets: framing, the v10 greeting, the handshake response, OK/ERR/result sets."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from decnet.services.streambase import Session

CLIENT_LONG_PASSWORD = 0x1
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_PROTOCOL_41 = 0x200
CLIENT_SSL = 0x800
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_CONNECT_ATTRS = 0x100000
CLIENT_PLUGIN_AUTH_LENENC = 0x200000
#: What the server offers: everything a 5.7/8.0/MariaDB server does except SSL, compression
#: and DEPRECATE_EOF (so result sets end with classic EOF packets).
SERVER_CAPS = 0x00FFF7DF
MAX_ATTRS = 64


class PacketError(Exception):
    """A client packet broke the protocol (bad framing or fields)."""


async def read_packet(s: Session, max_len: int, seconds: float | None = None) -> tuple[int, bytes]:
    """(sequence id, payload) of the next packet; ``PacketError`` if it is longer than ``max_len``."""
    head = await s.read_exactly(4, seconds)
    length = head[0] | head[1] << 8 | head[2] << 16
    if length > max_len or length == 0xFFFFFF:
        raise PacketError(f"packet of {length} bytes")
    return head[3], await s.read_exactly(length, 30.0)


def frame(seq: int, payload: bytes) -> bytes:
    """One packet (payloads here are small, never split)."""
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def lenenc_int(value: int) -> bytes:
    """A length-encoded integer."""
    if value < 251:
        return bytes([value])
    if value < 1 << 16:
        return b"\xfc" + struct.pack("<H", value)
    if value < 1 << 24:
        return b"\xfd" + struct.pack("<I", value)[:3]
    return b"\xfe" + struct.pack("<Q", value)


def lenenc_str(data: bytes) -> bytes:
    """A length-encoded string."""
    return lenenc_int(len(data)) + data


def greeting(
    version: str, conn_id: int, salt: bytes, plugin: str, charset: int, caps: int = SERVER_CAPS
) -> bytes:
    """The protocol-10 handshake payload (``salt`` is 20 bytes)."""
    return (
        b"\x0a"
        + version.encode()
        + b"\x00"
        + struct.pack("<I", conn_id)
        + salt[:8]
        + b"\x00"
        + struct.pack("<H", caps & 0xFFFF)
        + bytes([charset])
        + struct.pack("<H", 0x0002)
        + struct.pack("<H", caps >> 16)
        + bytes([len(salt) + 1])
        + b"\x00" * 10
        + salt[8:]
        + b"\x00"
        + plugin.encode()
        + b"\x00"
    )


@dataclass(slots=True)
class HandshakeResponse:
    """What a client sent in its HandshakeResponse41 (raw bytes; escaped when logged)."""

    caps: int
    username: bytes
    auth: bytes
    database: bytes = b""
    plugin: bytes = b""
    attrs: dict[bytes, bytes] = field(default_factory=dict)
    ssl_request: bool = False


class _Cursor:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise PacketError("truncated")
        out = self.data[self.pos : self.pos + size]
        self.pos += size
        return out

    def cstring(self) -> bytes:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            end = len(self.data)
        out = self.data[self.pos : end]
        self.pos = min(end + 1, len(self.data))
        return out

    def lenenc(self) -> int:
        first = self.take(1)[0]
        if first < 251:
            return first
        if first == 0xFC:
            return int(struct.unpack("<H", self.take(2))[0])
        if first == 0xFD:
            return int.from_bytes(self.take(3), "little")
        if first == 0xFE:
            return int(struct.unpack("<Q", self.take(8))[0])
        raise PacketError("bad length-encoded integer")

    @property
    def left(self) -> int:
        return len(self.data) - self.pos


def parse_handshake_response(payload: bytes) -> HandshakeResponse:
    """Parse a HandshakeResponse41 (or 320); ``PacketError`` when it is not one."""
    cur = _Cursor(payload)
    if len(payload) < 4:
        raise PacketError("short handshake response")
    caps = int.from_bytes(cur.take(2), "little")
    if not caps & CLIENT_PROTOCOL_41:  # 3.20 protocol: caps(2) max_packet(3) user NUL auth
        cur.take(3)
        user = cur.cstring()
        return HandshakeResponse(caps, user, cur.data[cur.pos :].rstrip(b"\x00"))
    caps |= int.from_bytes(cur.take(2), "little") << 16
    cur.take(4 + 1 + 23)  # max packet, charset, filler
    if cur.left == 0:
        return HandshakeResponse(caps, b"", b"", ssl_request=bool(caps & CLIENT_SSL))
    user = cur.cstring()
    if caps & CLIENT_PLUGIN_AUTH_LENENC:
        auth = cur.take(cur.lenenc())
    elif caps & CLIENT_SECURE_CONNECTION:
        auth = cur.take(cur.take(1)[0])
    else:
        auth = cur.cstring()
    resp = HandshakeResponse(caps, user, auth)
    if caps & CLIENT_CONNECT_WITH_DB and cur.left:
        resp.database = cur.cstring()
    if caps & CLIENT_PLUGIN_AUTH and cur.left:
        resp.plugin = cur.cstring()
    if caps & CLIENT_CONNECT_ATTRS and cur.left:
        total = cur.lenenc()
        attrs = _Cursor(cur.take(min(total, cur.left)))
        while attrs.left and len(resp.attrs) < MAX_ATTRS:
            key = attrs.take(attrs.lenenc())
            resp.attrs[key] = attrs.take(attrs.lenenc())
    return resp


def ok(seq: int, status: int = 0x0002, affected: int = 0) -> bytes:
    """An OK packet."""
    return frame(seq, b"\x00" + lenenc_int(affected) + b"\x00" + struct.pack("<HH", status, 0))


def err(seq: int, code: int, state: str, message: str) -> bytes:
    """An ERR packet (``#`` + SQLSTATE + message)."""
    body = message.encode("utf-8", "replace")[:512]
    return frame(seq, b"\xff" + struct.pack("<H", code) + b"#" + state.encode() + body)


def eof(seq: int) -> bytes:
    """A classic EOF packet (warnings 0, autocommit)."""
    return frame(seq, b"\xfe\x00\x00\x02\x00")


def result_set(seq: int, columns: list[str], rows: list[list[str | None]]) -> bytes:
    """A text-protocol result set of string columns, starting at sequence id ``seq``."""
    out = [frame(seq, lenenc_int(len(columns)))]
    seq += 1
    for name in columns:
        coldef = (
            lenenc_str(b"def")
            + lenenc_str(b"")
            + lenenc_str(b"")
            + lenenc_str(b"")
            + lenenc_str(name.encode())
            + lenenc_str(b"")
            + b"\x0c"
            + struct.pack("<HIBHB", 33, 1024, 0xFD, 0, 31)
            + b"\x00\x00"
        )
        out.append(frame(seq, coldef))
        seq += 1
    out.append(eof(seq))
    seq += 1
    for row in rows:
        body = b"".join(b"\xfb" if v is None else lenenc_str(v.encode()) for v in row)
        out.append(frame(seq, body))
        seq += 1
    out.append(eof(seq))
    return b"".join(out)
