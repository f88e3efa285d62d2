"""A small, bounded BSON codec (the subset MongoDB clients and scanners send and this server answers)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_DEPTH = 32
MAX_ELEMENTS = 2048  #: elements in one decoded document tree


class BSONError(ValueError):
    """Bytes that are not a valid (or acceptable) BSON document."""


@dataclass(frozen=True, slots=True)
class ObjectId:
    """A 12-byte ObjectId."""

    raw: bytes


@dataclass(frozen=True, slots=True)
class Int64:
    """An integer to encode as int64 even when it is small."""

    value: int


@dataclass(frozen=True, slots=True)
class Binary:
    """Binary data with a subtype."""

    data: bytes
    subtype: int = 0


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.elements = 0

    def cstring(self, pos: int, end: int) -> tuple[str, int]:
        stop = self.data.find(b"\x00", pos, end)
        if stop < 0:
            raise BSONError("unterminated cstring")
        return self.data[pos:stop].decode("utf-8", "surrogateescape"), stop + 1

    def doc(self, pos: int, end: int, depth: int, as_list: bool = False) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise BSONError("document nested too deeply")
        if pos + 5 > end:
            raise BSONError("truncated document")
        size = struct.unpack_from("<i", self.data, pos)[0]
        if size < 5 or pos + size > end or self.data[pos + size - 1] != 0:
            raise BSONError("bad document length")
        stop = pos + size - 1
        out: dict[str, Any] = {}
        cur = pos + 4
        while cur < stop:
            self.elements += 1
            if self.elements > MAX_ELEMENTS:
                raise BSONError("too many elements")
            kind = self.data[cur]
            key, cur = self.cstring(cur + 1, stop)
            value, cur = self.value(kind, cur, stop, depth)
            out[key] = value
        if cur != stop:
            raise BSONError("element overruns its document")
        return (list(out.values()) if as_list else out), pos + size

    def _fixed(self, fmt: str, pos: int, end: int) -> tuple[Any, int]:
        size = struct.calcsize(fmt)
        if pos + size > end:
            raise BSONError("truncated value")
        return struct.unpack_from(fmt, self.data, pos)[0], pos + size

    def _string(self, pos: int, end: int) -> tuple[str, int]:
        size, pos = self._fixed("<i", pos, end)
        if size < 1 or pos + size > end or self.data[pos + size - 1] != 0:
            raise BSONError("bad string length")
        return self.data[pos : pos + size - 1].decode("utf-8", "surrogateescape"), pos + size

    def value(self, kind: int, pos: int, end: int, depth: int) -> tuple[Any, int]:
        if kind == 0x01:
            return self._fixed("<d", pos, end)
        if kind in (0x02, 0x0D, 0x0E):
            return self._string(pos, end)
        if kind in (0x03, 0x04):
            return self.doc(pos, end, depth + 1, as_list=kind == 0x04)
        if kind == 0x05:
            size, pos = self._fixed("<i", pos, end)
            if size < 0 or pos + 1 + size > end:
                raise BSONError("bad binary length")
            return Binary(self.data[pos + 1 : pos + 1 + size], self.data[pos]), pos + 1 + size
        if kind == 0x07:
            if pos + 12 > end:
                raise BSONError("truncated ObjectId")
            return ObjectId(self.data[pos : pos + 12]), pos + 12
        if kind == 0x08:
            flag, pos = self._fixed("<B", pos, end)
            return bool(flag), pos
        if kind == 0x09:
            millis, pos = self._fixed("<q", pos, end)
            return Int64(millis), pos
        if kind in (0x06, 0x0A, 0xFF, 0x7F):
            return None, pos
        if kind == 0x0B:
            pattern, pos = self.cstring(pos, end)
            _, pos = self.cstring(pos, end)
            return pattern, pos
        if kind == 0x0F:
            size, start = self._fixed("<i", pos, end)
            if size < 14 or pos + size > end:
                raise BSONError("bad code-with-scope length")
            code, cur = self._string(start, pos + size)
            _, cur = self.doc(cur, pos + size, depth + 1)
            return code, pos + size
        if kind == 0x10:
            return self._fixed("<i", pos, end)
        if kind in (0x11, 0x12):
            return self._fixed("<q", pos, end)
        if kind == 0x13:
            if pos + 16 > end:
                raise BSONError("truncated decimal128")
            return Binary(self.data[pos : pos + 16], 0x13), pos + 16
        raise BSONError(f"unknown BSON type 0x{kind:02x}")


def decode(data: bytes, pos: int = 0, end: int | None = None) -> tuple[dict[str, Any], int]:
    """The document at ``pos`` and the position after it; ``BSONError`` on anything invalid."""
    doc, after = _Reader(data).doc(pos, len(data) if end is None else end, 0)
    assert isinstance(doc, dict)
    return doc, after


def _element(key: str, value: Any) -> bytes:
    name = key.encode() + b"\x00"
    if isinstance(value, bool):
        return b"\x08" + name + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        if -(2**31) <= value < 2**31:
            return b"\x10" + name + struct.pack("<i", value)
        return b"\x12" + name + struct.pack("<q", value)
    if isinstance(value, Int64):
        return b"\x12" + name + struct.pack("<q", value.value)
    if isinstance(value, float):
        return b"\x01" + name + struct.pack("<d", value)
    if isinstance(value, str):
        raw = value.encode("utf-8", "surrogateescape") + b"\x00"
        return b"\x02" + name + struct.pack("<i", len(raw)) + raw
    if isinstance(value, bytes):
        value = Binary(value)
    if isinstance(value, Binary):
        return b"\x05" + name + struct.pack("<i", len(value.data)) + bytes([value.subtype]) + value.data
    if isinstance(value, ObjectId):
        return b"\x07" + name + value.raw
    if isinstance(value, datetime):
        millis = int(value.astimezone(UTC).timestamp() * 1000)
        return b"\x09" + name + struct.pack("<q", millis)
    if value is None:
        return b"\x0a" + name
    if isinstance(value, dict):
        return b"\x03" + name + encode(value)
    if isinstance(value, list | tuple):
        return b"\x04" + name + encode({str(i): v for i, v in enumerate(value)})
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(doc: dict[str, Any]) -> bytes:
    """The BSON bytes of ``doc``."""
    body = b"".join(_element(k, v) for k, v in doc.items())
    return struct.pack("<i", len(body) + 5) + body + b"\x00"
