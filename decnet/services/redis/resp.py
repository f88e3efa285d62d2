"""Reading RESP2 commands (multibulk and inline) under bounds, and writing RESP replies."""

from __future__ import annotations

from collections.abc import Iterable

from decnet.services.http.parser import BoundedReader, Closed

MAX_INLINE = 64 * 1024  #: Redis's PROTO_INLINE_MAX_SIZE
_MAX_HEADER_LINE = 64


class ProtocolError(Exception):
    """The client broke RESP; Redis answers ``-ERR Protocol error: <text>`` and closes."""


async def read_command(
    stream: BoundedReader, idle_deadline: float, read_deadline: float, *, max_args: int, max_bulk: int
) -> list[bytes]:
    """One command as its arguments ([] for an empty line); ``Closed`` on EOF/timeout."""
    while not stream.buf:
        if not await stream.fill(idle_deadline):
            raise Closed("eof")
    if stream.buf[:1] != b"*":
        line = await stream.readline(MAX_INLINE, read_deadline)
        if line is None:
            raise ProtocolError("too big inline request")
        return split_inline(line)
    header = await stream.readline(_MAX_HEADER_LINE, read_deadline)
    count = _number(header[1:] if header else None)
    if count is None or count > max_args:
        raise ProtocolError("invalid multibulk length")
    args: list[bytes] = []
    for _ in range(count):
        line = await stream.readline(_MAX_HEADER_LINE, read_deadline)
        if line is None or line[:1] != b"$":
            got = chr(line[0]) if line else " "
            raise ProtocolError(f"expected '$', got '{got if got.isprintable() else ' '}'")
        size = _number(line[1:])
        if size is None or size < 0 or size > max_bulk:
            raise ProtocolError("invalid bulk length")
        data = await stream.readexactly(size + 2, read_deadline)
        args.append(data[:size])
    return args


def _number(text: bytes | None) -> int | None:
    if text is None or not 0 < len(text) <= 20:
        return None
    try:
        return int(text)
    except ValueError:
        return None


_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("a"): b"\a"}


def split_inline(line: bytes) -> list[bytes]:
    """Split an inline command as Redis's ``sdssplitargs`` does (quotes, ``\\xNN`` escapes)."""
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \t\n\r\v\f":
            i += 1
        if i >= n:
            return args
        cur = bytearray()
        if line[i] == ord('"'):
            i += 1
            while True:
                if i >= n:
                    raise ProtocolError("unbalanced quotes in request")
                c = line[i]
                if c == ord("\\") and i + 3 < n and line[i + 1] == ord("x") and _hex(line[i + 2 : i + 4]):
                    cur.append(int(line[i + 2 : i + 4], 16))
                    i += 4
                    continue
                if c == ord("\\") and i + 1 < n:
                    cur += _ESCAPES.get(line[i + 1], bytes([line[i + 1]]))
                    i += 2
                    continue
                i += 1
                if c == ord('"'):
                    if i < n and line[i] not in b" \t\n\r\v\f":
                        raise ProtocolError("unbalanced quotes in request")
                    break
                cur.append(c)
        elif line[i] == ord("'"):
            i += 1
            while True:
                if i >= n:
                    raise ProtocolError("unbalanced quotes in request")
                c = line[i]
                if c == ord("\\") and i + 1 < n and line[i + 1] == ord("'"):
                    cur.append(ord("'"))
                    i += 2
                    continue
                i += 1
                if c == ord("'"):
                    if i < n and line[i] not in b" \t\n\r\v\f":
                        raise ProtocolError("unbalanced quotes in request")
                    break
                cur.append(c)
        else:
            while i < n and line[i] not in b" \t\n\r\v\f":
                cur.append(line[i])
                i += 1
        args.append(bytes(cur))


def _hex(pair: bytes) -> bool:
    return len(pair) == 2 and all(c in b"0123456789abcdefABCDEF" for c in pair)


# -- replies ---------------------------------------------------------------------------------


def simple(text: str) -> bytes:
    """``+text``."""
    return b"+" + text.encode() + b"\r\n"


def error(text: str) -> bytes:
    """``-text`` (text already starts with the error code, e.g. ``ERR``)."""
    return b"-" + text.encode("utf-8", "replace").replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"


def integer(value: int) -> bytes:
    """``:value``."""
    return b":%d\r\n" % value


def bulk(data: bytes | str | None) -> bytes:
    """A bulk string, or the null bulk for None."""
    if data is None:
        return b"$-1\r\n"
    raw = data.encode() if isinstance(data, str) else data
    return b"$%d\r\n" % len(raw) + raw + b"\r\n"


def array(items: Iterable[bytes | str | None]) -> bytes:
    """An array of bulk strings."""
    parts = [bulk(item) for item in items]
    return b"*%d\r\n" % len(parts) + b"".join(parts)


def raw_array(encoded: list[bytes]) -> bytes:
    """An array of already encoded replies."""
    return b"*%d\r\n" % len(encoded) + b"".join(encoded)
