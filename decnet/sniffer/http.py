"""The header order of a client's first HTTP/1.x request (names only, values never kept)."""

from __future__ import annotations

import re

from decnet.sniffer.text import printable

#: Longest request head read.
MAX_HEAD = 8192
#: Most header names kept.
MAX_HEADERS = 64

_METHOD = re.compile(rb"[A-Z]{3,10} [^\s]{1,4096} HTTP/1\.[01]\r?\n")
_METHOD_PREFIX = re.compile(rb"[A-Z]{0,10}")


class NeedMore(Exception):
    """The bytes so far are a plausible but incomplete request head."""


def header_order(stream: bytes) -> tuple[str, str] | None:
    """(method, comma-joined lower-case header names) of the first request; None if not HTTP/1.x.

    Raises :class:`NeedMore` while the head has not ended.
    """
    head = stream[:MAX_HEAD]
    end = head.find(b"\r\n\r\n")
    if end < 0:
        end = head.find(b"\n\n")
    line_end = head.find(b"\n")
    if line_end < 0:
        prefix = _METHOD_PREFIX.match(head)
        if (
            len(head) >= MAX_HEAD
            or prefix is None
            or (prefix.end() < len(head) and head[prefix.end()] != 0x20)
        ):
            return None
        raise NeedMore
    if not _METHOD.fullmatch(head[: line_end + 1]):
        return None
    if end < 0:
        if len(stream) >= MAX_HEAD:
            return None
        raise NeedMore
    method = head[: head.find(b" ")].decode("ascii")
    names: list[str] = []
    for line in head[line_end + 1 : end].split(b"\n")[:MAX_HEADERS]:
        name, colon, _ = line.partition(b":")
        if colon and name:
            names.append(printable(name.strip().lower(), 64))
    return method, ",".join(names)
