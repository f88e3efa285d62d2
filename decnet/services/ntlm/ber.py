"""A strict, bounded BER/DER codec: enough ASN.1 for LDAP, SPNEGO and CredSSP.

Decoding never trusts a length: every TLV must fit inside its parent, lengths take at most
four bytes, tag numbers at most four, the indefinite form is refused, and callers bound how
many children they accept (:data:`MAX_ITEMS`) and how deep they recurse.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Most children :func:`children` returns (a message with more is refused).
MAX_ITEMS = 1024

UNIVERSAL, APPLICATION, CONTEXT, PRIVATE = 0, 1, 2, 3

BOOLEAN, INTEGER, OCTET_STRING, NULL, OID, ENUMERATED = 0x01, 0x02, 0x04, 0x05, 0x06, 0x0A
SEQUENCE, SET, GENERAL_STRING = 0x30, 0x31, 0x1B


class BERError(ValueError):
    """Malformed, truncated or oversized BER."""


@dataclass(frozen=True, slots=True)
class TLV:
    """One decoded element: class, constructed bit, tag number and the raw contents."""

    cls: int
    constructed: bool
    number: int
    value: bytes

    def is_(self, cls: int, number: int) -> bool:
        """Whether this element has class ``cls`` and tag ``number``."""
        return self.cls == cls and self.number == number


def _header(data: bytes, offset: int) -> tuple[int, bool, int, int, int]:
    """(class, constructed, number, content length, content offset) of the TLV at ``offset``."""
    end = len(data)
    if offset >= end:
        raise BERError("truncated tag")
    first = data[offset]
    cls, constructed, number = first >> 6, bool(first & 0x20), first & 0x1F
    pos = offset + 1
    if number == 0x1F:
        number = 0
        for count in range(5):
            if pos >= end:
                raise BERError("truncated tag")
            byte = data[pos]
            pos += 1
            number = (number << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
            if count == 3:
                raise BERError("tag number too long")
    if pos >= end:
        raise BERError("truncated length")
    size = data[pos]
    pos += 1
    if size == 0x80:
        raise BERError("indefinite length")
    if size > 0x80:
        count = size & 0x7F
        if count > 4:
            raise BERError("length too long")
        if pos + count > end:
            raise BERError("truncated length")
        size = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return cls, constructed, number, size, pos


def read_tlv(data: bytes, offset: int = 0) -> tuple[TLV, int]:
    """The TLV at ``offset`` and the offset after it; :class:`BERError` if it does not fit."""
    cls, constructed, number, size, pos = _header(data, offset)
    if pos + size > len(data):
        raise BERError("element longer than its container")
    return TLV(cls, constructed, number, bytes(data[pos : pos + size])), pos + size


def decode(data: bytes) -> TLV:
    """Exactly one TLV filling ``data``."""
    tlv, end = read_tlv(data)
    if end != len(data):
        raise BERError("trailing bytes")
    return tlv


def children(tlv: TLV, max_items: int = MAX_ITEMS) -> list[TLV]:
    """The elements inside constructed ``tlv`` (at most ``max_items``)."""
    if not tlv.constructed:
        raise BERError("not a constructed element")
    out: list[TLV] = []
    pos = 0
    while pos < len(tlv.value):
        if len(out) >= max_items:
            raise BERError("too many elements")
        item, pos = read_tlv(tlv.value, pos)
        out.append(item)
    return out


def frame_size(buf: bytes, max_size: int) -> int | None:
    """Total size of the TLV starting ``buf`` once its header is complete (None: need more bytes).

    :class:`BERError` if the header is invalid or the element is larger than ``max_size``.
    """
    try:
        _, _, _, size, pos = _header(buf, 0)
    except BERError as exc:
        if str(exc).startswith("truncated"):
            return None
        raise
    if pos + size > max_size:
        raise BERError("element too large")
    return pos + size


def to_int(tlv: TLV, max_bytes: int = 8) -> int:
    """A signed INTEGER or ENUMERATED value of at most ``max_bytes`` bytes."""
    if tlv.constructed or not tlv.value or len(tlv.value) > max_bytes:
        raise BERError("bad integer")
    return int.from_bytes(tlv.value, "big", signed=True)


def to_oid(tlv: TLV) -> str:
    """Dotted text of an OBJECT IDENTIFIER (at most 32 arcs)."""
    value = tlv.value
    if tlv.constructed or not value or len(value) > 64 or value[-1] & 0x80:
        raise BERError("bad oid")
    arcs: list[int] = []
    current = 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


# -- encoding ------------------------------------------------------------------------------


def encode_length(size: int, *, long4: bool = False) -> bytes:
    """A definite length; ``long4`` uses the 4-byte long form (as OpenLDAP and AD do)."""
    if long4:
        return b"\x84" + size.to_bytes(4, "big")
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(identifier: int, content: bytes, *, long4: bool = False) -> bytes:
    """One element with a single-byte identifier (class, constructed bit and tag < 31)."""
    return bytes([identifier]) + encode_length(len(content), long4=long4) + content


def integer(value: int, identifier: int = INTEGER) -> bytes:
    """An INTEGER (or ENUMERATED with ``identifier=ENUMERATED``) in minimal two's complement."""
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(identifier, value.to_bytes(size, "big", signed=True))


def octets(value: bytes | str, identifier: int = OCTET_STRING) -> bytes:
    """An OCTET STRING (text is UTF-8 encoded)."""
    return tlv(identifier, value.encode("utf-8") if isinstance(value, str) else value)


def boolean(value: bool) -> bytes:
    """A BOOLEAN (DER: TRUE is 0xFF)."""
    return tlv(BOOLEAN, b"\xff" if value else b"\x00")


def oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER from dotted text."""
    arcs = [int(part) for part in dotted.split(".")]
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def sequence(*items: bytes, identifier: int = SEQUENCE, long4: bool = False) -> bytes:
    """A constructed element holding ``items``."""
    return tlv(identifier, b"".join(items), long4=long4)
