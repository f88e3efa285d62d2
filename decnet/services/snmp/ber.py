"""A strict BER subset for SNMP: definite lengths, one-octet tags, bounded sizes, depth and counts.

Decoding works on one buffer with explicit ``[start, end)`` windows, so a length can never
reach past its parent; everything the decoder refuses raises :class:`BerError`.
"""

from __future__ import annotations

from dataclasses import dataclass

INTEGER, OCTET_STRING, NULL, OID, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
IP_ADDRESS, COUNTER32, GAUGE32, TIMETICKS, OPAQUE, COUNTER64 = 0x40, 0x41, 0x42, 0x43, 0x44, 0x46
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW = 0x80, 0x81, 0x82

MAX_INT_OCTETS = 9  #: a 64-bit unsigned counter needs 9
MAX_OID_ARCS = 128
MAX_ARC = (1 << 32) - 1
MAX_ITEMS = 256  #: elements read from one constructed value

Oid = tuple[int, ...]


class BerError(ValueError):
    """The bytes are not the BER we accept (the reason is safe to log)."""


@dataclass(frozen=True, slots=True)
class Tlv:
    """One element: its tag and where its content lies in the buffer."""

    tag: int
    start: int
    end: int

    def content(self, data: bytes) -> bytes:
        return data[self.start : self.end]


def read_tlv(data: bytes, pos: int, end: int) -> Tlv:
    """The element at ``pos``, which must end by ``end``."""
    if pos + 2 > end:
        raise BerError("truncated element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise BerError("multi-octet tags are not used by SNMP")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise BerError("indefinite length")
    else:
        count = first & 0x7F
        if count > 3 or pos + count > end:
            raise BerError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise BerError("element runs past its container")
    return Tlv(tag, pos, pos + length)


def children(data: bytes, tlv: Tlv, limit: int = MAX_ITEMS) -> list[Tlv]:
    """The elements inside a constructed ``tlv`` (at most ``limit``)."""
    out: list[Tlv] = []
    pos = tlv.start
    while pos < tlv.end:
        if len(out) >= limit:
            raise BerError("too many elements")
        child = read_tlv(data, pos, tlv.end)
        out.append(child)
        pos = child.end
    return out


def expect(data: bytes, tlv: Tlv, tag: int) -> Tlv:
    if tlv.tag != tag:
        raise BerError(f"expected tag 0x{tag:02x}, got 0x{tlv.tag:02x}")
    return tlv


def decode_int(content: bytes) -> int:
    if not content or len(content) > MAX_INT_OCTETS:
        raise BerError("bad integer length")
    return int.from_bytes(content, "big", signed=True)


def decode_oid(content: bytes) -> Oid:
    if not content or len(content) > MAX_OID_ARCS * 5:
        raise BerError("bad OID length")
    arcs: list[int] = []
    value = 0
    started = False
    for byte in content:
        if not started and byte == 0x80:
            raise BerError("OID arc with a leading zero octet")
        started = True
        value = (value << 7) | (byte & 0x7F)
        if value > MAX_ARC:
            raise BerError("OID arc too large")
        if not byte & 0x80:
            arcs.append(value)
            value = 0
            started = False
    if started:
        raise BerError("truncated OID arc")
    first = arcs[0]
    head = [first // 40, first % 40] if first < 80 else [2, first - 80]
    oid = tuple(head + arcs[1:])
    if len(oid) > MAX_OID_ARCS:
        raise BerError("OID too long")
    return oid


def oid_text(oid: Oid) -> str:
    return ".".join(str(arc) for arc in oid)


# --- encoding ----------------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def enc_int(value: int, tag: int = INTEGER) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(tag, value.to_bytes(size, "big", signed=True))


def enc_unsigned(value: int, tag: int) -> bytes:
    """Counter32, Gauge32, TimeTicks, Counter64: unsigned, with a leading zero when the top bit is set."""
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(tag, value.to_bytes(size, "big"))


def enc_octets(value: bytes | str) -> bytes:
    return tlv(OCTET_STRING, value.encode() if isinstance(value, str) else value)


def enc_oid(oid: Oid) -> bytes:
    if len(oid) < 2:
        oid = (*oid, 0) if oid else (0, 0)
    out = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(OID, bytes(out))


def seq(*parts: bytes, tag: int = SEQUENCE) -> bytes:
    return tlv(tag, b"".join(parts))


NULL_VALUE = b"\x05\x00"
