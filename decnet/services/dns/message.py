"""DNS messages (RFC 1035, EDNS of RFC 6891): a strict, bounded parser and a compressing builder.

The parser refuses what a careful server refuses: names longer than 255 octets or with labels
over 63, compression pointers that do not point strictly backwards (so no loop can exist) or
that chain more than :data:`MAX_POINTERS` times, more than :data:`MAX_RECORDS` records, and
anything that runs past the end of the message. It never reads beyond the bytes it was given.
LLMNR (RFC 4795) and mDNS (RFC 6762) share this wire format.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

MAX_MESSAGE = 65535
MAX_NAME = 255
MAX_LABEL = 63
MAX_POINTERS = 32
MAX_RECORDS = 64  #: per section
MAX_TOTAL_RECORDS = 128

# Types and classes used here.
A, NS, CNAME, SOA, NULL, PTR, HINFO, MX, TXT, AAAA, SRV, OPT = 1, 2, 5, 6, 10, 12, 13, 15, 16, 28, 33, 41
DNSKEY, RRSIG, IXFR, AXFR, ANY = 48, 46, 251, 252, 255
IN, CH, HS = 1, 3, 4

# Response codes.
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, NOTAUTH = 0, 1, 2, 3, 4, 5, 9

TYPE_NAMES = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    10: "NULL",
    12: "PTR",
    13: "HINFO",
    15: "MX",
    16: "TXT",
    28: "AAAA",
    33: "SRV",
    35: "NAPTR",
    41: "OPT",
    43: "DS",
    46: "RRSIG",
    47: "NSEC",
    48: "DNSKEY",
    65: "HTTPS",
    64: "SVCB",
    99: "SPF",
    251: "IXFR",
    252: "AXFR",
    255: "ANY",
}
CLASS_NAMES = {1: "IN", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
RCODE_NAMES = {
    0: "NOERROR",
    1: "FORMERR",
    2: "SERVFAIL",
    3: "NXDOMAIN",
    4: "NOTIMP",
    5: "REFUSED",
    9: "NOTAUTH",
}

Name = tuple[bytes, ...]  #: labels as sent (case kept); the root is ()


class DnsError(ValueError):
    """The message is malformed (the reason is safe to log)."""


def type_name(value: int) -> str:
    """Mnemonic of a type (``TYPE123`` for unknown ones, as in RFC 3597)."""
    return TYPE_NAMES.get(value, f"TYPE{value}")


def class_name(value: int) -> str:
    """Mnemonic of a class (``CLASS123`` for unknown ones); the mDNS unicast bit is ignored."""
    return CLASS_NAMES.get(value & 0x7FFF, f"CLASS{value & 0x7FFF}")


def name_text(name: Name) -> str:
    """Presentation form: labels joined by dots, non-printable octets and ``.``/``\\`` escaped."""
    if not name:
        return "."
    parts = []
    for label in name:
        out = []
        for byte in label:
            ch = chr(byte)
            if ch in ".\\":
                out.append("\\" + ch)
            elif 0x21 <= byte <= 0x7E:
                out.append(ch)
            else:
                out.append(f"\\{byte:03d}")
        parts.append("".join(out))
    return ".".join(parts) + "."


def lower(name: Name) -> Name:
    """``name`` with ASCII letters lowered (DNS names compare case-insensitively)."""
    return tuple(label.lower() for label in name)


def name_from_text(text: str) -> Name:
    """Labels of a plain dotted name (no escapes); ``ValueError`` if it is not a valid name."""
    text = text.rstrip(".")
    if not text:
        return ()
    labels = tuple(part.encode("ascii") for part in text.split("."))
    if (
        any(not 0 < len(label) <= MAX_LABEL for label in labels)
        or sum(len(x) + 1 for x in labels) + 1 > MAX_NAME
    ):
        raise ValueError(f"not a DNS name: {text!r}")
    return labels


@dataclass(frozen=True, slots=True)
class Question:
    name: Name
    qtype: int
    qclass: int


@dataclass(frozen=True, slots=True)
class Record:
    """A resource record as received (``rdata`` raw, names in it not expanded)."""

    name: Name
    rtype: int
    rclass: int
    ttl: int
    rdata: bytes


@dataclass(frozen=True, slots=True)
class Edns:
    udp_size: int
    version: int
    dnssec_ok: bool
    options: tuple[tuple[int, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    """A parsed DNS message."""

    id: int
    flags: int
    questions: tuple[Question, ...] = ()
    answers: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()
    edns: Edns | None = None

    @property
    def qr(self) -> bool:
        return bool(self.flags & 0x8000)

    @property
    def opcode(self) -> int:
        return (self.flags >> 11) & 0xF

    @property
    def rd(self) -> bool:
        return bool(self.flags & 0x0100)

    @property
    def rcode(self) -> int:
        return self.flags & 0xF


def read_name(data: bytes, offset: int) -> tuple[Name, int]:
    """The name at ``offset`` and the offset just after it (in the original, uncompressed position)."""
    labels: list[bytes] = []
    size = 1
    end = -1
    jumps = 0
    limit = offset  # a pointer must point strictly before the name that holds it
    pos = offset
    while True:
        if pos >= len(data):
            raise DnsError("name runs past the end")
        length = data[pos]
        if length == 0:
            pos += 1
            break
        kind = length & 0xC0
        if kind == 0xC0:
            if pos + 1 >= len(data):
                raise DnsError("truncated compression pointer")
            target = ((length & 0x3F) << 8) | data[pos + 1]
            if end < 0:
                end = pos + 2
            jumps += 1
            if jumps > MAX_POINTERS:
                raise DnsError("too many compression pointers")
            if target >= limit:
                raise DnsError("compression pointer does not point backwards")
            limit = target
            pos = target
            continue
        if kind:
            raise DnsError("unknown label type")
        if pos + 1 + length > len(data):
            raise DnsError("label runs past the end")
        size += length + 1
        if size > MAX_NAME:
            raise DnsError("name longer than 255 octets")
        labels.append(data[pos + 1 : pos + 1 + length])
        pos += 1 + length
    return tuple(labels), (end if end >= 0 else pos)


def _section(data: bytes, offset: int, count: int, question: bool) -> tuple[list[object], int]:
    out: list[object] = []
    for _ in range(count):
        name, offset = read_name(data, offset)
        if question:
            if offset + 4 > len(data):
                raise DnsError("truncated question")
            qtype, qclass = struct.unpack_from("!HH", data, offset)
            out.append(Question(name, qtype, qclass))
            offset += 4
            continue
        if offset + 10 > len(data):
            raise DnsError("truncated record")
        rtype, rclass, ttl, rdlen = struct.unpack_from("!HHIH", data, offset)
        offset += 10
        if offset + rdlen > len(data):
            raise DnsError("record data runs past the end")
        out.append(Record(name, rtype, rclass, ttl, data[offset : offset + rdlen]))
        offset += rdlen
    return out, offset


def _edns(records: list[Record]) -> Edns | None:
    opts = [r for r in records if r.rtype == OPT]
    if not opts:
        return None
    if len(opts) > 1 or opts[0].name:
        raise DnsError("bad OPT record")
    opt = opts[0]
    options: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(opt.rdata):
        if pos + 4 > len(opt.rdata) or len(options) >= 16:
            raise DnsError("bad EDNS option")
        code, size = struct.unpack_from("!HH", opt.rdata, pos)
        if pos + 4 + size > len(opt.rdata):
            raise DnsError("EDNS option runs past the end")
        options.append((code, opt.rdata[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    return Edns(opt.rclass, (opt.ttl >> 16) & 0xFF, bool(opt.ttl & 0x8000), tuple(options))


def parse_header(data: bytes) -> tuple[int, int, int, int, int, int]:
    """(id, flags, qdcount, ancount, nscount, arcount); ``DnsError`` if shorter than 12 octets."""
    if len(data) < 12:
        raise DnsError("shorter than a header")
    return struct.unpack_from("!HHHHHH", data, 0)


def parse(data: bytes) -> Message:
    """Parse one message; ``DnsError`` for anything malformed or beyond the bounds."""
    if len(data) > MAX_MESSAGE:
        raise DnsError("message too long")
    ident, flags, qd, an, ns, ar = parse_header(data)
    if max(qd, an, ns, ar) > MAX_RECORDS or qd + an + ns + ar > MAX_TOTAL_RECORDS:
        raise DnsError("too many records")
    offset = 12
    questions, offset = _section(data, offset, qd, True)
    answers, offset = _section(data, offset, an, False)
    authority, offset = _section(data, offset, ns, False)
    additional, offset = _section(data, offset, ar, False)
    records = [r for r in additional if isinstance(r, Record)]
    return Message(
        ident,
        flags,
        tuple(q for q in questions if isinstance(q, Question)),
        tuple(r for r in answers if isinstance(r, Record)),
        tuple(r for r in authority if isinstance(r, Record)),
        tuple(r for r in records if r.rtype != OPT),
        _edns(records),
    )


# --- building ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RR:
    """A record to send. ``data`` is bytes for opaque types, a name for NS/CNAME/PTR,
    ``(preference, name)`` for MX, ``(mname, rname, serial, refresh, retry, expire, minimum)``
    for SOA and a tuple of strings for TXT."""

    name: Name
    rtype: int
    ttl: int
    data: object
    rclass: int = IN


@dataclass(slots=True)
class Builder:
    """Writes one message, compressing names against those already written."""

    buf: bytearray = field(default_factory=lambda: bytearray(12))
    offsets: dict[Name, int] = field(default_factory=dict)
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])

    def name(self, name: Name) -> None:
        for i in range(len(name)):
            suffix = lower(name[i:])
            known = self.offsets.get(suffix)
            if known is not None:
                self.buf += struct.pack("!H", 0xC000 | known)
                return
            if len(self.buf) < 0x3FFF:
                self.offsets[suffix] = len(self.buf)
            self.buf.append(len(name[i]))
            self.buf += name[i]
        self.buf.append(0)

    def question(self, q: Question) -> None:
        self.name(q.name)
        self.buf += struct.pack("!HH", q.qtype, q.qclass)
        self.counts[0] += 1

    def record(self, rr: RR, section: int) -> None:
        """Append ``rr`` to section 1 (answer), 2 (authority) or 3 (additional)."""
        self.name(rr.name)
        self.buf += struct.pack("!HHI", rr.rtype, rr.rclass, rr.ttl)
        start = len(self.buf)
        self.buf += b"\0\0"
        data = rr.data
        if rr.rtype in (NS, CNAME, PTR):
            assert isinstance(data, tuple)
            self.name(data)
        elif rr.rtype == MX:
            assert isinstance(data, tuple)
            self.buf += struct.pack("!H", data[0])
            self.name(data[1])
        elif rr.rtype == SOA:
            assert isinstance(data, tuple)
            self.name(data[0])
            self.name(data[1])
            self.buf += struct.pack("!IIIII", *data[2:])
        elif rr.rtype == TXT and isinstance(data, tuple):
            for text in data:
                raw = text.encode() if isinstance(text, str) else bytes(text)
                for i in range(0, max(len(raw), 1), 255):
                    chunk = raw[i : i + 255]
                    self.buf.append(len(chunk))
                    self.buf += chunk
        else:
            assert isinstance(data, bytes)
            self.buf += data
        struct.pack_into("!H", self.buf, start, len(self.buf) - start - 2)
        self.counts[section] += 1

    def opt(self, udp_size: int, *, ext_rcode: int = 0, options: bytes = b"") -> None:
        """Append an EDNS OPT record to the additional section."""
        self.buf += b"\0" + struct.pack("!HHIH", OPT, udp_size, ext_rcode << 24, len(options)) + options
        self.counts[3] += 1

    def finish(self, ident: int, flags: int) -> bytes:
        struct.pack_into("!HHHHHH", self.buf, 0, ident, flags, *self.counts)
        return bytes(self.buf)


def header_only(ident: int, flags: int) -> bytes:
    """A message with no records (e.g. FORMERR to a query whose question could not be read)."""
    return struct.pack("!HHHHHH", ident, flags, 0, 0, 0, 0)
