"""Making attacker bytes safe to log: bounded, printable and unambiguous (shared by every service)."""

from __future__ import annotations

_SIMPLE = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(data: bytes | str, limit: int) -> tuple[str, bool]:
    """Escape ``data`` to printable text of at most ``limit`` characters; also say if it was cut.

    Bytes are read as UTF-8; undecodable bytes become ``\\xNN``, control characters
    ``\\n``/``\\r``/``\\t``/``\\xNN``/``\\uNNNN`` and a backslash ``\\\\``, so the text is unambiguous.
    """
    cut = len(data) > limit
    text = data[:limit].decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data[:limit]
    out: list[str] = []
    size = 0
    for ch in text:
        if ch in _SIMPLE:
            piece = _SIMPLE[ch]
        elif "\udc80" <= ch <= "\udcff":
            piece = f"\\x{ord(ch) - 0xDC00:02x}"
        elif ch.isprintable():
            piece = ch
        elif ord(ch) < 0x100:
            piece = f"\\x{ord(ch):02x}"
        else:
            piece = f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"
        size += len(piece)
        if size > limit:
            return "".join(out), True
        out.append(piece)
    return "".join(out), cut


def clip(data: bytes | str, limit: int) -> str:
    """:func:`printable` without the flag."""
    return printable(data, limit)[0]
