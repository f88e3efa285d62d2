"""PostgreSQL v3 protocol messages: startup parsing and the backend messages the service sends."""

from __future__ import annotations

import struct

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
PROTOCOL_3 = 196608
MAX_STARTUP = 10000  #: the server's MAX_STARTUP_PACKET_LENGTH
MAX_PARAMS = 64


class StartupError(Exception):
    """A startup packet that is not one."""


def parse_params(body: bytes) -> dict[str, str]:
    """``key\\0value\\0...\\0`` of a StartupMessage (at most 64 pairs, text decoded with escapes)."""
    parts = body.split(b"\x00")
    params: dict[str, str] = {}
    for i in range(0, len(parts) - 1, 2):
        key = parts[i]
        if not key:
            break
        if len(params) >= MAX_PARAMS:
            raise StartupError("too many parameters")
        params[key.decode("utf-8", "surrogateescape")] = parts[i + 1].decode("utf-8", "surrogateescape")
    return params


def message(kind: bytes, body: bytes) -> bytes:
    """One backend message."""
    return kind + struct.pack("!I", len(body) + 4) + body


def error(fields: list[tuple[str, str]]) -> bytes:
    """An ErrorResponse from (code letter, text) pairs."""
    body = b"".join(k.encode() + v.encode("utf-8", "replace")[:1024] + b"\x00" for k, v in fields)
    return message(b"E", body + b"\x00")


def auth_request(code: int, extra: bytes = b"") -> bytes:
    """An Authentication* message (0 ok, 3 clear text, 5 MD5 with a 4-byte salt)."""
    return message(b"R", struct.pack("!I", code) + extra)


def parameter_status(name: str, value: str) -> bytes:
    """A ParameterStatus message."""
    return message(b"S", name.encode() + b"\x00" + value.encode("utf-8", "replace") + b"\x00")


def ready(status: bytes = b"I") -> bytes:
    """ReadyForQuery."""
    return message(b"Z", status)


def rows(columns: list[str], data: list[list[str | None]], tag: str | None = None) -> bytes:
    """RowDescription (text columns), DataRows and CommandComplete."""
    desc = struct.pack("!H", len(columns)) + b"".join(
        c.encode() + b"\x00" + struct.pack("!IhIhih", 0, 0, 25, -1, -1, 0) for c in columns
    )
    out = [message(b"T", desc)]
    for row in data:
        cells = b"".join(
            struct.pack("!i", -1) if v is None else struct.pack("!I", len(v.encode())) + v.encode()
            for v in row
        )
        out.append(message(b"D", struct.pack("!H", len(row)) + cells))
    out.append(message(b"C", (tag or f"SELECT {len(data)}").encode() + b"\x00"))
    return b"".join(out)


def complete(tag: str) -> bytes:
    """CommandComplete."""
    return message(b"C", tag.encode() + b"\x00")
