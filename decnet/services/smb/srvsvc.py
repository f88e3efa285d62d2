"""The ``srvsvc`` named pipe: DCE/RPC bind and NetShareEnumAll (MS-SRVS), so share listing works.

Only what a share listing needs: a bind that accepts NDR for the srvsvc interface, and opnum 15
(NetrShareEnumAll) at level 1; every other call gets a DCE/RPC fault. Every length and count in
a PDU is checked.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

BIND, BIND_ACK, REQUEST, RESPONSE, FAULT = 11, 12, 0, 2, 3
SRVSVC_UUID = bytes.fromhex("c84f324b7016d30112785a47bf6ee188")  # 4b324fc8-1670-01d3-1278-5a47bf6ee188
NDR_UUID = bytes.fromhex("045d888aeb1cc9119fe808002b104860")  # 8a885d04-1ceb-11c9-9fe8-08002b104860
BTFN_PREFIX = bytes.fromhex("2c1cb76c12984045")  # 6cb71c2c-9812-4540: bind time feature negotiation
OPNUM_SHARE_ENUM_ALL = 15
NCA_OP_RANGE_ERROR = 0x1C010002
WERR_UNKNOWN_LEVEL = 0x0000007C
#: Most presentation contexts read from a bind.
MAX_CONTEXTS = 16

STYPE_DISKTREE, STYPE_PRINTQ, STYPE_IPC, STYPE_SPECIAL = 0, 1, 3, 0x80000000


class RPCError(ValueError):
    """A malformed DCE/RPC PDU."""


@dataclass(frozen=True, slots=True)
class Share:
    """One share as NetShareEnum lists it."""

    name: str
    type: int
    remark: str


def pdu_length(data: bytes) -> int | None:
    """The fragment length of the PDU starting ``data`` (None if the header is not complete)."""
    if len(data) < 16:
        return None
    if data[0] != 5 or data[1] != 0:
        raise RPCError("not DCE/RPC v5")
    return int.from_bytes(data[8:10], "little")


def _header(ptype: int, call_id: int, body: bytes) -> bytes:
    return (
        struct.pack("<BBBB4sHHI", 5, 0, ptype, 0x03, b"\x10\x00\x00\x00", 16 + len(body), 0, call_id) + body
    )


@dataclass(frozen=True, slots=True)
class PDU:
    """A client PDU's type, call id and body."""

    ptype: int
    call_id: int
    body: bytes


def parse_pdu(data: bytes) -> PDU:
    """Read one complete PDU."""
    size = pdu_length(data)
    if size is None or size < 16 or size > len(data):
        raise RPCError("truncated PDU")
    if data[4] != 0x10:
        raise RPCError("only little-endian NDR is spoken")
    auth_length = int.from_bytes(data[10:12], "little")
    end = size - (auth_length + 8 if auth_length else 0)
    if end < 16:
        raise RPCError("bad auth length")
    return PDU(data[2], int.from_bytes(data[12:16], "little"), data[16:end])


def bind_ack(pdu: PDU, assoc_group: int, pipe: str = "\\PIPE\\srvsvc") -> tuple[bytes, bool]:
    """The bind_ack for a bind PDU, and whether the srvsvc interface was accepted."""
    body = pdu.body
    if len(body) < 12:
        raise RPCError("short bind")
    max_xmit, max_recv, _group, count = struct.unpack_from("<HHIB", body, 0)
    pos = 12
    results: list[bytes] = []
    accepted = False
    for _ in range(min(count, MAX_CONTEXTS)):
        if pos + 24 > len(body):
            raise RPCError("truncated context")
        _ctx_id, n_syntax = struct.unpack_from("<HB", body, pos)
        abstract = body[pos + 4 : pos + 20]
        syntaxes = [body[pos + 24 + 20 * i : pos + 44 + 20 * i] for i in range(n_syntax)]
        pos += 24 + 20 * n_syntax
        if pos > len(body):
            raise RPCError("truncated transfer syntaxes")
        if any(s[:8] == BTFN_PREFIX for s in syntaxes):
            results.append(struct.pack("<HH", 3, 0) + bytes(20))
        elif abstract != SRVSVC_UUID:
            results.append(struct.pack("<HH", 2, 1) + bytes(20))
        elif any(s[:16] == NDR_UUID for s in syntaxes):
            results.append(struct.pack("<HH", 0, 0) + NDR_UUID + struct.pack("<I", 2))
            accepted = True
        else:
            results.append(struct.pack("<HH", 2, 2) + bytes(20))
    port = pipe.encode("ascii") + b"\x00"
    out = struct.pack("<HHI", min(max_xmit, 4280), min(max_recv, 4280), assoc_group)
    out += struct.pack("<H", len(port)) + port
    while (16 + len(out)) % 4:
        out += b"\x00"
    out += struct.pack("<BBH", len(results), 0, 0) + b"".join(results)
    return _header(BIND_ACK, pdu.call_id, out), accepted


def _request(pdu: PDU) -> tuple[int, int, bytes]:
    if len(pdu.body) < 8:
        raise RPCError("short request")
    _hint, ctx_id, opnum = struct.unpack_from("<IHH", pdu.body, 0)
    return ctx_id, opnum, pdu.body[8:]


def _skip_string(stub: bytes, pos: int) -> int:
    """Position after a unique pointer to a conformant varying UTF-16 string."""
    if pos + 4 > len(stub):
        raise RPCError("truncated stub")
    if int.from_bytes(stub[pos : pos + 4], "little") == 0:
        return pos + 4
    if pos + 16 > len(stub):
        raise RPCError("truncated string")
    actual = int.from_bytes(stub[pos + 12 : pos + 16], "little")
    if actual > 1024:
        raise RPCError("string too long")
    pos += 16 + 2 * actual
    return (pos + 3) & ~3


def server_name(stub: bytes) -> str:
    """The ServerName argument of a NetrShareEnumAll request ('' if none)."""
    if len(stub) < 20 or int.from_bytes(stub[0:4], "little") == 0:
        return ""
    actual = min(int.from_bytes(stub[12:16], "little"), 256)
    return stub[16 : 16 + 2 * actual].decode("utf-16-le", "replace").rstrip("\x00")


def _string(text: str) -> bytes:
    data = (text + "\x00").encode("utf-16-le")
    count = len(data) // 2
    out = struct.pack("<III", count, 0, count) + data
    return out + b"\x00" * (-len(out) % 4)


def share_enum_level1(shares: list[Share]) -> bytes:
    """The NDR stub of a NetrShareEnumAll level-1 answer."""
    ref = 0x00020000
    out = bytearray(struct.pack("<III", 1, 1, ref))
    out += struct.pack("<II", len(shares), ref + 4)
    out += struct.pack("<I", len(shares))
    ref += 8
    for share in shares:
        out += struct.pack("<III", ref, share.type, ref + 4)
        ref += 8
    for share in shares:
        out += _string(share.name) + _string(share.remark)
    out += struct.pack("<IIII", len(shares), ref, 0, 0)  # total entries, resume handle, WERR_OK
    return bytes(out)


def call(pdu: PDU, shares: list[Share]) -> tuple[bytes, int, str]:
    """Answer a request PDU: (response or fault PDU, opnum, server name asked for)."""
    ctx_id, opnum, stub = _request(pdu)
    if opnum != OPNUM_SHARE_ENUM_ALL:
        fault = struct.pack("<IHBBI", 32, ctx_id, 0, 0, NCA_OP_RANGE_ERROR) + bytes(4)
        return _header(FAULT, pdu.call_id, fault), opnum, ""
    name = server_name(stub)
    pos = _skip_string(stub, 0)
    level = int.from_bytes(stub[pos : pos + 4], "little") if pos + 4 <= len(stub) else 1
    if level == 1:
        result = share_enum_level1(shares)
    else:
        result = struct.pack("<IIIIII", level, level, 0, 0, 0, WERR_UNKNOWN_LEVEL)
    body = struct.pack("<IHBB", len(result), ctx_id, 0, 0) + result
    return _header(RESPONSE, pdu.call_id, body), opnum, name
