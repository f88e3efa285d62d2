"""TDS framing, pre-login and LOGIN7 parsing, and the server's pre-login and error replies."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from decnet.services.streambase import Session

PRELOGIN = 0x12
LOGIN7 = 0x10
SSPI = 0x11
SQL_BATCH = 0x01
REPLY = 0x04
MAX_PACKET = 32767
MAX_MESSAGE = 65536
MAX_PARTS = 32
ENCRYPT_OFF = 0x00
ENCRYPT_ON = 0x01
ENCRYPT_NOT_SUP = 0x02


class TDSError(Exception):
    """Bytes that are not TDS (or too big)."""


async def read_message(s: Session, seconds: float | None = None) -> tuple[int, bytes]:
    """(packet type, payload) of one message (packets joined up to end-of-message)."""
    payload = bytearray()
    kind = -1
    for _ in range(MAX_PARTS):
        head = await s.read_exactly(8, seconds)
        ptype, status, length = head[0], head[1], struct.unpack("!H", head[2:4])[0]
        if length < 8 or length > MAX_PACKET or (kind >= 0 and ptype != kind):
            raise TDSError(f"bad packet header {head.hex()}")
        kind = ptype
        payload += await s.read_exactly(length - 8, 30.0)
        if len(payload) > MAX_MESSAGE:
            raise TDSError("message too big")
        if status & 0x01:
            return kind, bytes(payload)
    raise TDSError("too many packets")


def split_message(data: bytes) -> tuple[int, bytes, int] | None:
    """(type, payload, bytes used) of the first complete message in ``data``; None if incomplete.

    ``TDSError`` when the packets are not TDS (or too big), as :func:`read_message`.
    """
    payload = bytearray()
    pos, kind = 0, -1
    for _ in range(MAX_PARTS):
        if len(data) < pos + 8:
            return None
        ptype, status, length = data[pos], data[pos + 1], struct.unpack("!H", data[pos + 2 : pos + 4])[0]
        if length < 8 or length > MAX_PACKET or (kind >= 0 and ptype != kind):
            raise TDSError(f"bad packet header {data[pos : pos + 8].hex()}")
        if len(data) < pos + length:
            return None
        kind = ptype
        payload += data[pos + 8 : pos + length]
        pos += length
        if len(payload) > MAX_MESSAGE:
            raise TDSError("message too big")
        if status & 0x01:
            return kind, bytes(payload), pos
    raise TDSError("too many packets")


def packet(kind: int, payload: bytes, packet_id: int = 1) -> bytes:
    """One server packet (end of message)."""
    return struct.pack("!BBHHBB", kind, 0x01, len(payload) + 8, 0, packet_id, 0) + payload


def parse_prelogin(payload: bytes) -> dict[int, bytes]:
    """Pre-login options by token (bounded: at most 16, data inside the payload)."""
    options: dict[int, bytes] = {}
    pos = 0
    while pos < len(payload) and len(options) < 16:
        token = payload[pos]
        if token == 0xFF:
            break
        if pos + 5 > len(payload):
            raise TDSError("truncated pre-login option")
        offset, length = struct.unpack("!HH", payload[pos + 1 : pos + 5])
        if offset + length > len(payload):
            raise TDSError("pre-login option outside the packet")
        options[token] = payload[offset : offset + length]
        pos += 5
    return options


def prelogin_reply(version: tuple[int, int, int, int], encryption: int = ENCRYPT_NOT_SUP) -> bytes:
    """The pre-login answer: VERSION, ENCRYPTION, INSTOPT, THREADID (as SQL Server orders them)."""
    major, minor, build, sub = version
    header = b"\x00\x00\x15\x00\x06\x01\x00\x1b\x00\x01\x02\x00\x1c\x00\x01\x03\x00\x1d\x00\x00\xff"
    data = struct.pack("!BBH", major, minor, build) + struct.pack("<H", sub) + bytes([encryption, 0])
    return packet(REPLY, header + data)


@dataclass(slots=True)
class Login:
    """The interesting fields of a LOGIN7 record."""

    tds_version: int
    hostname: str = ""
    username: str = ""
    password: bytes = b""  #: de-obfuscated UTF-16LE bytes
    app_name: str = ""
    server_name: str = ""
    library: str = ""
    language: str = ""
    database: str = ""
    sspi: bytes = b""
    extra: dict[str, str] = field(default_factory=dict)


def _field(data: bytes, index: int) -> bytes:
    offset, count = struct.unpack("<HH", data[36 + 4 * index : 40 + 4 * index])
    end = offset + 2 * count
    if count and (offset < 36 or end > len(data)):
        raise TDSError("LOGIN7 field outside the record")
    return data[offset:end]


def deobfuscate(raw: bytes) -> bytes:
    """Undo LOGIN7's password scrambling (XOR 0xA5, then swap nibbles)."""
    out = bytearray()
    for byte in raw:
        byte ^= 0xA5
        out.append(((byte & 0x0F) << 4) | (byte >> 4))
    return bytes(out)


def _text(raw: bytes) -> str:
    return raw.decode("utf-16-le", "replace")


def parse_login7(data: bytes) -> Login:
    """Parse a LOGIN7 record; ``TDSError`` when it is not one."""
    if len(data) < 94:
        raise TDSError("short LOGIN7")
    length, version = struct.unpack("<II", data[:8])
    if length > len(data) + 8 or length < 36:
        raise TDSError("bad LOGIN7 length")
    login = Login(tds_version=version)
    login.hostname = _text(_field(data, 0))
    login.username = _text(_field(data, 1))
    login.password = deobfuscate(_field(data, 2))
    login.app_name = _text(_field(data, 3))
    login.server_name = _text(_field(data, 4))
    login.library = _text(_field(data, 6))
    login.language = _text(_field(data, 7))
    login.database = _text(_field(data, 8))
    sspi_offset, sspi_len = struct.unpack("<HH", data[78:82])
    if sspi_len and sspi_offset + sspi_len <= len(data):
        login.sspi = data[sspi_offset : sspi_offset + sspi_len]
    return login


def _us_varchar(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<H", len(raw) // 2) + raw


def _b_varchar(text: str) -> bytes:
    raw = text.encode("utf-16-le")[:510]
    return bytes([len(raw) // 2]) + raw


def error_reply(number: int, state: int, severity: int, message: str, server: str) -> bytes:
    """An ERROR token and a DONE (error) token, as the failed-login answer."""
    body = (
        struct.pack("<IBB", number, state, severity)
        + _us_varchar(message)
        + _b_varchar(server)
        + _b_varchar("")
        + struct.pack("<I", 1)
    )
    token = b"\xaa" + struct.pack("<H", len(body)) + body
    done = b"\xfd" + struct.pack("<HHQ", 0x0002, 0, 0)
    return packet(REPLY, token + done)
