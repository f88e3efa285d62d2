"""Build TLS ClientHello records from field lists (for known-answer tests)."""

from __future__ import annotations


def u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def u16_list(values: list[int], prefix: int = 2) -> bytes:
    body = b"".join(u16(v) for v in values)
    return len(body).to_bytes(prefix, "big") + body


def sni(name: str) -> bytes:
    entry = b"\x00" + u16(len(name)) + name.encode()
    return u16(len(entry)) + entry


def alpn(*protocols: bytes) -> bytes:
    body = b"".join(bytes([len(p)]) + p for p in protocols)
    return u16(len(body)) + body


def client_hello(version: int, ciphers: list[int], extensions: list[tuple[int, bytes]]) -> bytes:
    """A TLS record holding one ClientHello."""
    ext = b"".join(u16(t) + u16(len(d)) + d for t, d in extensions)
    body = (
        u16(version)
        + b"\x11" * 32
        + b"\x20"
        + b"\x22" * 32
        + u16_list(ciphers)
        + b"\x01\x00"
        + u16(len(ext))
        + ext
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + u16(len(handshake)) + handshake
