"""Attacker-controlled bytes as bounded, printable text (for storage and logs)."""

from __future__ import annotations


def printable(raw: bytes, limit: int = 255) -> str:
    """``raw`` as ASCII text, at most ``limit`` bytes read; other bytes become ``\\xNN``."""
    out = []
    for byte in raw[:limit]:
        if 0x20 <= byte < 0x7F and byte != 0x5C:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)
