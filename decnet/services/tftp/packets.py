"""TFTP packets (RFC 1350, options RFC 2347/2348/2349): parsing requests and building replies.

Parsing never raises anything but :class:`TFTPError`, reads at most one datagram and keeps at
most :data:`MAX_OPTIONS` options, so any bytes are safe to feed it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
MAX_OPTIONS = 16
MAX_FIELD = 512
MODES = frozenset({"netascii", "octet", "mail"})

#: Error codes and tftpd-hpa's texts for them.
NOT_FOUND = (1, "File not found")
ACCESS = (2, "Access violation")
DISK_FULL = (3, "Disk full or allocation exceeded")
ILLEGAL = (4, "Illegal TFTP operation")
UNKNOWN_TID = (5, "Unknown transfer ID")
EXISTS = (6, "File already exists")
OPTION_REFUSED = (8, "Unsupported option(s) requested")


class TFTPError(ValueError):
    """A packet that is not a valid request."""


@dataclass(frozen=True, slots=True)
class Request:
    """A read or write request."""

    opcode: int
    filename: bytes
    mode: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``rrq`` or ``wrq``."""
        return "rrq" if self.opcode == RRQ else "wrq"


def parse_request(packet: bytes) -> Request:
    """The RRQ/WRQ in ``packet``; :class:`TFTPError` for anything else or anything malformed."""
    if len(packet) < 4:
        raise TFTPError("short packet")
    opcode = int.from_bytes(packet[:2], "big")
    if opcode not in (RRQ, WRQ):
        raise TFTPError(f"opcode {opcode}")
    parts = packet[2:].split(b"\0")
    if len(parts) < 3 or parts[-1] != b"":
        raise TFTPError("unterminated request")
    filename, mode_raw, *rest = parts[:-1]
    if not filename or len(filename) > MAX_FIELD:
        raise TFTPError("bad filename")
    mode = mode_raw.decode("ascii", "replace").lower()
    if mode not in MODES:
        raise TFTPError("unknown mode")
    options: dict[str, str] = {}
    for index in range(0, min(len(rest), 2 * MAX_OPTIONS) - 1, 2):
        name = rest[index].decode("ascii", "replace").lower()[:64]
        options[name] = rest[index + 1].decode("ascii", "replace")[:64]
    return Request(opcode, filename, mode, options)


def error(code_text: tuple[int, str], text: str | None = None) -> bytes:
    """An ERROR packet."""
    code, default = code_text
    return struct.pack("!HH", ERROR, code) + (text or default).encode() + b"\0"


def data(block: int, payload: bytes) -> bytes:
    """A DATA packet."""
    return struct.pack("!HH", DATA, block & 0xFFFF) + payload


def ack(block: int) -> bytes:
    """An ACK packet."""
    return struct.pack("!HH", ACK, block & 0xFFFF)


def oack(options: dict[str, str]) -> bytes:
    """An OACK packet."""
    return struct.pack("!H", OACK) + b"".join(
        k.encode() + b"\0" + v.encode() + b"\0" for k, v in options.items()
    )


def parse_reply(packet: bytes) -> tuple[int, int, bytes]:
    """(opcode, block, payload) of a DATA/ACK/ERROR; opcode 0 when malformed."""
    if len(packet) < 4:
        return 0, 0, b""
    opcode, block = struct.unpack("!HH", packet[:4])
    return opcode, block, packet[4:]
