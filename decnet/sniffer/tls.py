"""TLS ClientHello parsing and the JA3 and JA4 client fingerprints, SNI and ALPN.

JA3 (Salesforce): ``md5("version,ciphers,extensions,curves,point_formats")`` with decimal
values joined by ``-``. JA4 (FoxIO, TLS client): ``t<ver><d|i><nn ciphers><nn exts><alpn>``
``_<sha256 of sorted ciphers>[:12]_<sha256 of sorted extensions (no SNI/ALPN) _ sigalgs>[:12]``.
GREASE values (RFC 8701) are left out of both everywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from decnet.sniffer.text import printable

#: Largest handshake message accepted (a real ClientHello is a few KB).
MAX_HELLO = 16384
#: Most list entries read from any one field.
MAX_ITEMS = 512

EXT_SNI, EXT_GROUPS, EXT_POINTS, EXT_SIGALGS, EXT_ALPN, EXT_VERSIONS = 0, 10, 11, 13, 16, 43

_JA4_VERSIONS = {
    0x0304: "13",
    0x0303: "12",
    0x0302: "11",
    0x0301: "10",
    0x0300: "s3",
    0x0002: "s2",
    0xFEFF: "d1",
    0xFEFD: "d2",
    0xFEFC: "d3",
}


def is_grease(value: int) -> bool:
    """True for the reserved GREASE values 0x0a0a, 0x1a1a, ... 0xfafa."""
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


@dataclass(slots=True)
class ClientHello:
    """The ClientHello fields the fingerprints need (GREASE kept; the hashes drop it)."""

    version: int
    ciphers: list[int] = field(default_factory=list)
    extensions: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    point_formats: list[int] = field(default_factory=list)
    sigalgs: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    sni: str | None = None
    alpn: list[bytes] = field(default_factory=list)


class NeedMore(Exception):
    """The bytes so far are a valid but incomplete start of a ClientHello."""


def _u16s(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, min(len(raw) - 1, MAX_ITEMS * 2), 2)]


def handshake_message(stream: bytes) -> bytes | None:
    """The first handshake message of a TLS client stream (records joined), or None if not TLS.

    Raises :class:`NeedMore` if the stream is a plausible TLS start that is not complete yet.
    """
    body = bytearray()
    offset = 0
    while True:
        if len(stream) - offset < 5:
            raise NeedMore
        ctype, major = stream[offset], stream[offset + 1]
        length = int.from_bytes(stream[offset + 3 : offset + 5], "big")
        if ctype != 22 or major != 3 or length == 0 or length > 16384 + 2048:
            return None
        if len(stream) - offset - 5 < length:
            # Take what has arrived of this record; the message may be complete already.
            body += stream[offset + 5 :]
            offset = len(stream)
        else:
            body += stream[offset + 5 : offset + 5 + length]
            offset += 5 + length
        if len(body) >= 4:
            if body[0] != 1:
                return None
            need = int.from_bytes(body[1:4], "big")
            if need > MAX_HELLO:
                return None
            if len(body) >= 4 + need:
                return bytes(body[4 : 4 + need])
        if offset >= len(stream):
            raise NeedMore


def parse_client_hello(msg: bytes) -> ClientHello | None:
    """Parse a ClientHello body (after the 4-byte handshake header); None if malformed."""
    if len(msg) < 38:
        return None
    hello = ClientHello(version=int.from_bytes(msg[0:2], "big"))
    pos = 34
    sid_len = msg[pos]
    pos += 1 + sid_len
    if pos + 2 > len(msg):
        return None
    clen = int.from_bytes(msg[pos : pos + 2], "big")
    pos += 2
    if clen % 2 or pos + clen > len(msg):
        return None
    hello.ciphers = _u16s(msg[pos : pos + clen])
    pos += clen
    if pos + 1 > len(msg):
        return None
    pos += 1 + msg[pos]
    if pos > len(msg):
        return None
    if pos + 2 > len(msg):
        return hello  # no extensions
    elen = int.from_bytes(msg[pos : pos + 2], "big")
    pos += 2
    end = min(len(msg), pos + elen)
    while pos + 4 <= end and len(hello.extensions) < MAX_ITEMS:
        etype = int.from_bytes(msg[pos : pos + 2], "big")
        size = int.from_bytes(msg[pos + 2 : pos + 4], "big")
        data = msg[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if pos > end:
            return None
        hello.extensions.append(etype)
        _extension(hello, etype, data)
    return hello


def _extension(hello: ClientHello, etype: int, data: bytes) -> None:
    if etype == EXT_SNI and len(data) >= 5 and data[2] == 0:
        size = int.from_bytes(data[3:5], "big")
        hello.sni = printable(data[5 : 5 + size])
    elif etype == EXT_GROUPS and len(data) >= 2:
        hello.groups = _u16s(data[2 : 2 + int.from_bytes(data[0:2], "big")])
    elif etype == EXT_POINTS and data:
        hello.point_formats = list(data[1 : 1 + min(data[0], MAX_ITEMS)])
    elif etype == EXT_SIGALGS and len(data) >= 2:
        hello.sigalgs = _u16s(data[2 : 2 + int.from_bytes(data[0:2], "big")])
    elif etype == EXT_VERSIONS and data:
        hello.versions = _u16s(data[1 : 1 + data[0]])
    elif etype == EXT_ALPN and len(data) >= 2:
        raw = data[2 : 2 + int.from_bytes(data[0:2], "big")]
        i = 0
        while i < len(raw) and len(hello.alpn) < 16:
            size = raw[i]
            hello.alpn.append(raw[i + 1 : i + 1 + size])
            i += 1 + size


def _clean(values: list[int]) -> list[int]:
    return [v for v in values if not is_grease(v)]


def ja3_string(hello: ClientHello) -> str:
    """The canonical JA3 string of a ClientHello."""

    def dash(values: list[int]) -> str:
        return "-".join(str(v) for v in _clean(values))

    return ",".join(
        (
            str(hello.version),
            dash(hello.ciphers),
            dash(hello.extensions),
            dash(hello.groups),
            "-".join(str(v) for v in hello.point_formats),
        )
    )


def ja3(hello: ClientHello) -> str:
    """JA3: the md5 of :func:`ja3_string`."""
    return hashlib.md5(ja3_string(hello).encode(), usedforsecurity=False).hexdigest()


def _alnum(byte: int) -> bool:
    return 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _ja4_alpn(hello: ClientHello) -> str:
    if not hello.alpn or not hello.alpn[0]:
        return "00"
    first = hello.alpn[0]
    if _alnum(first[0]) and _alnum(first[-1]):
        return chr(first[0]) + chr(first[-1])
    text = first.hex()
    return text[0] + text[-1]


def _hash12(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def ja4_parts(hello: ClientHello, transport: str = "t") -> tuple[str, str, str]:
    """The JA4 sections a, and the raw (unhashed) b and c inputs."""
    versions = _clean(hello.versions)
    version = max(versions) if versions else hello.version
    ciphers = _clean(hello.ciphers)
    extensions = _clean(hello.extensions)
    a = (
        f"{transport}{_JA4_VERSIONS.get(version, '00')}{'d' if EXT_SNI in extensions else 'i'}"
        f"{min(len(ciphers), 99):02d}{min(len(extensions), 99):02d}{_ja4_alpn(hello)}"
    )
    b = ",".join(f"{c:04x}" for c in sorted(ciphers))
    c = ",".join(f"{e:04x}" for e in sorted(e for e in extensions if e not in (EXT_SNI, EXT_ALPN)))
    sigalgs = _clean(hello.sigalgs)
    if sigalgs:
        c += "_" + ",".join(f"{s:04x}" for s in sigalgs)
    return a, b, c


def ja4(hello: ClientHello, transport: str = "t") -> str:
    """JA4 (TLS client) of a ClientHello."""
    a, b, c = ja4_parts(hello, transport)
    bh = _hash12(b) if b else "000000000000"
    ch = _hash12(c) if c else "000000000000"
    return f"{a}_{bh}_{ch}"


def ja4_raw(hello: ClientHello, transport: str = "t") -> str:
    """JA4_r: the sections before hashing."""
    a, b, c = ja4_parts(hello, transport)
    return f"{a}_{b}_{c}"


def alpn_text(hello: ClientHello) -> str | None:
    """The offered ALPN protocols as printable text joined by ``,`` (None if none)."""
    return ",".join(printable(p, 64) for p in hello.alpn) if hello.alpn else None
