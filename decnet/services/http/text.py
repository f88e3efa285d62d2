"""Making attacker bytes safe to log (bounded, printable) and to reflect (HTML-escaped)."""

from __future__ import annotations

import html

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


def wire(text: str, limit: int) -> tuple[str, bool]:
    """:func:`printable` of text that was latin-1 decoded off the wire (re-read as UTF-8)."""
    return printable(text.encode("latin-1", "replace"), limit)


def clip_wire(text: str, limit: int) -> str:
    """:func:`wire` without the flag."""
    return wire(text, limit)[0]


def esc(text: str) -> str:
    """HTML-escape text reflected into a page (quotes too)."""
    return html.escape(text, quote=True)
