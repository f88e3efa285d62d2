"""RFB (RFC 6143) handshake pieces: versions, security types, results."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

VNC_AUTH = 2
_VERSION = re.compile(rb"RFB (\d{3})\.(\d{3})\n")


@dataclass(frozen=True, slots=True)
class Flavour:
    """How one VNC server product behaves before authentication."""

    name: str
    version: bytes  #: the ProtocolVersion it sends
    failure: str  #: the reason string of a failed VNC authentication (RFB 3.8)


FLAVOURS = {
    "tigervnc": Flavour("tigervnc", b"RFB 003.008\n", "Authentication failed"),
    "x11vnc": Flavour("x11vnc", b"RFB 003.008\n", "password check failed!"),
    "tightvnc": Flavour("tightvnc", b"RFB 003.008\n", "Authentication failed"),
}
#: What TigerVNC says to a blacklisted address.
TOO_MANY = "Too many security failures"


def parse_version(data: bytes) -> tuple[int, int] | None:
    """The (major, minor) of a client's ProtocolVersion, or None if it is not one."""
    match = _VERSION.fullmatch(data)
    return (int(match[1]), int(match[2])) if match else None


def effective_minor(major: int, minor: int) -> int:
    """The 3.x the server speaks to a client offering ``major.minor`` (3.3, 3.7 or 3.8)."""
    if major != 3 or minor >= 8:
        return 8
    return 7 if minor == 7 else 3


def reason(text: str) -> bytes:
    """A length-prefixed reason string."""
    data = text.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def vnc_hash(challenge: bytes, response: bytes) -> str:
    """The crackable form of a VNC authentication: ``$vnc$*<challenge>*<response>``."""
    return f"$vnc$*{challenge.hex().upper()}*{response.hex().upper()}"
