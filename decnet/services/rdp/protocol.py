"""RDP connection sequence pieces (MS-RDPBCGR, MS-CSSP): X.224 over TPKT, and CredSSP TSRequests."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from decnet.services.ntlm import ber

PROTOCOL_RDP, PROTOCOL_SSL, PROTOCOL_HYBRID, PROTOCOL_RDSTLS, PROTOCOL_HYBRID_EX = 0, 1, 2, 4, 8
PROTOCOL_NAMES = {1: "ssl", 2: "hybrid", 4: "rdstls", 8: "hybrid_ex", 0x10: "rdsaad"}
SSL_REQUIRED_BY_SERVER, HYBRID_REQUIRED_BY_SERVER = 1, 5
#: RDP_NEG_RSP flags of Windows 10 / Server 2016+ (extended client data, GFX, restricted admin, ...).
NEG_RSP_FLAGS = 0x1F
#: CredSSP version a current Windows speaks.
CREDSSP_VERSION = 6
STATUS_LOGON_FAILURE = 0xC000006D

#: Longest cookie / routing token line kept.
MAX_COOKIE = 1024


class RDPError(ValueError):
    """A malformed TPKT, X.224 or CredSSP message."""


def tpkt_length(header: bytes) -> int:
    """Total length of a TPKT from its 4-byte header (:class:`RDPError` if it is not one)."""
    if len(header) < 4 or header[0] != 3 or header[1] != 0:
        raise RDPError("not a TPKT")
    size = int.from_bytes(header[2:4], "big")
    if size < 7:
        raise RDPError("TPKT too short")
    return size


def requested_names(protocols: int) -> str:
    """``ssl,hybrid,...`` (``rdp`` for standard RDP security only)."""
    names = [name for bit, name in PROTOCOL_NAMES.items() if protocols & bit]
    return ",".join(names) if names else "rdp"


@dataclass(frozen=True, slots=True)
class ConnectionRequest:
    """An X.224 Connection Request with its cookie and RDP negotiation request."""

    cookie: bytes  #: the "Cookie: ..." line without CRLF ('' if none)
    has_negotiation: bool
    flags: int
    protocols: int
    correlation_id: bytes

    @property
    def mstshash(self) -> bytes:
        """The user name of ``Cookie: mstshash=<user>`` ('' if another cookie or none)."""
        prefix = b"Cookie: mstshash="
        return self.cookie[len(prefix) :] if self.cookie.startswith(prefix) else b""


def parse_connection_request(tpkt: bytes) -> ConnectionRequest:
    """Read an X.224 Connection Request TPDU (the whole TPKT)."""
    if len(tpkt) < 11:
        raise RDPError("short X.224")
    li, code = tpkt[4], tpkt[5]
    if code & 0xF0 != 0xE0:
        raise RDPError("not a Connection Request")
    if li + 5 > len(tpkt) or li < 6:
        raise RDPError("bad X.224 length")
    rest = tpkt[11 : 5 + li]
    cookie = b""
    if rest.startswith(b"Cookie: ") or rest.startswith(b"Cookie:"):
        end = rest.find(b"\r\n", 0, MAX_COOKIE + 2)
        if end < 0:
            cookie, rest = rest[:MAX_COOKIE], b""
        else:
            cookie, rest = rest[:end], rest[end + 2 :]
    if len(rest) >= 8 and rest[0] == 0x01:
        flags = rest[1]
        protocols = struct.unpack_from("<I", rest, 4)[0]
        correlation = b""
        more = rest[8:]
        if len(more) >= 36 and more[0] == 0x06:
            correlation = more[4:20]
        return ConnectionRequest(cookie, True, flags, protocols, correlation)
    return ConnectionRequest(cookie, False, 0, 0, b"")


def connection_confirm(selected: int | None = None, failure: int | None = None) -> bytes:
    """An X.224 Connection Confirm with an RDP_NEG_RSP (``selected``) or RDP_NEG_FAILURE."""
    if selected is not None:
        neg = struct.pack("<BBHI", 0x02, NEG_RSP_FLAGS, 8, selected)
    elif failure is not None:
        neg = struct.pack("<BBHI", 0x03, 0, 8, failure)
    else:
        neg = b""
    tpdu = bytes([6 + len(neg), 0xD0, 0, 0, 0x12, 0x34, 0]) + neg
    return struct.pack(">BBH", 3, 0, 4 + len(tpdu)) + tpdu


@dataclass(frozen=True, slots=True)
class ClientCore:
    """What the MCS Connect Initial says about the client (TS_UD_CS_CORE)."""

    name: str
    build: int
    keyboard: int
    width: int
    height: int


def parse_client_core(data: bytes) -> ClientCore | None:
    """Find TS_UD_CS_CORE (type 0xC001, RDP version 8.x) in an MCS Connect Initial (None if absent)."""
    at = data.find(b"\x01\xc0")
    while at >= 0:
        if at + 4 <= len(data):
            size = int.from_bytes(data[at + 2 : at + 4], "little")
            version = int.from_bytes(data[at + 4 : at + 8], "little") if at + 8 <= len(data) else 0
            if size >= 56 and at + 56 <= len(data) and version >> 16 == 0x0008:
                width, height = struct.unpack_from("<HH", data, at + 8)
                keyboard, build = struct.unpack_from("<II", data, at + 16)
                name = data[at + 24 : at + 56].decode("utf-16-le", "replace").split("\x00", 1)[0]
                return ClientCore(name, build, keyboard, width, height)
        at = data.find(b"\x01\xc0", at + 1)
    return None


# -- CredSSP ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TSRequest:
    """The fields of a client's TSRequest the server looks at."""

    version: int
    token: bytes | None
    has_pub_key_auth: bool
    has_auth_info: bool


def parse_ts_request(data: bytes) -> TSRequest:
    """Read a CredSSP TSRequest."""
    try:
        outer = ber.decode(data)
        if not outer.is_(0, 0x10):
            raise RDPError("not a TSRequest")
        version, token, pub, info = 0, None, False, False
        for field in ber.children(outer, 8):
            if field.is_(ber.CONTEXT, 0):
                version = ber.to_int(ber.decode(field.value), 4)
            elif field.is_(ber.CONTEXT, 1):
                items = ber.children(ber.decode(field.value), 4)
                if items:
                    inner = ber.children(items[0], 2)
                    if inner and inner[0].is_(ber.CONTEXT, 0):
                        token = ber.decode(inner[0].value).value
            elif field.is_(ber.CONTEXT, 2):
                info = True
            elif field.is_(ber.CONTEXT, 3):
                pub = True
        return TSRequest(version, token, pub, info)
    except ber.BERError as exc:
        raise RDPError(str(exc)) from None


def ts_request(
    *, token: bytes | None = None, error_code: int | None = None, version: int = CREDSSP_VERSION
) -> bytes:
    """A server TSRequest carrying an NTLM token or an NTSTATUS error code."""
    fields = [ber.sequence(ber.integer(version), identifier=0xA0)]
    if token is not None:
        nego = ber.sequence(ber.sequence(ber.sequence(ber.octets(token), identifier=0xA0)))
        fields.append(ber.sequence(nego, identifier=0xA1))
    if error_code is not None:
        signed = error_code - (1 << 32) if error_code >= 1 << 31 else error_code
        fields.append(ber.sequence(ber.integer(signed), identifier=0xA4))
    return ber.sequence(*fields)
