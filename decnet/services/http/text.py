"""Making attacker bytes safe to log (bounded, printable) and to reflect (HTML-escaped)."""

from __future__ import annotations

import html

from decnet.services.text import clip, printable

__all__ = ["clip", "clip_wire", "esc", "printable", "wire"]


def wire(text: str, limit: int) -> tuple[str, bool]:
    """:func:`printable` of text that was latin-1 decoded off the wire (re-read as UTF-8)."""
    return printable(text.encode("latin-1", "replace"), limit)


def clip_wire(text: str, limit: int) -> str:
    """:func:`wire` without the flag."""
    return wire(text, limit)[0]


def esc(text: str) -> str:
    """HTML-escape text reflected into a page (quotes too)."""
    return html.escape(text, quote=True)
