"""Reading IMAP commands: lines with literals (``{n}`` / ``{n+}``), tokenised into atoms, strings and lists.

Everything is bounded: literal sizes, literals per command, tokens per command and list depth.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from decnet.services.smtp.lines import LineReader

Token = str | bytes | list["Token"]

_LITERAL = re.compile(rb"\{(\d{1,10})(\+?)\}$")
MAX_TOKENS = 1000
MAX_DEPTH = 8
MAX_LITERALS = 16
#: Bytes a command may hold beyond its largest literal (the other literals and the text).
MAX_EXTRA = 65536


class IMAPParseError(ValueError):
    """The command is malformed (answered ``BAD``)."""


class LiteralTooLarge(IMAPParseError):
    """A literal exceeds the limit; ``synchronizing`` says whether the client waits for ``+``."""

    def __init__(self, size: int, synchronizing: bool) -> None:
        super().__init__("Literal too large")
        self.size = size
        self.synchronizing = synchronizing


@dataclass(slots=True)
class RawCommand:
    """One command as received: text pieces with the literals that followed each."""

    items: list[str | bytes]
    too_long: bool = False
    size: int = 0


async def read_command(
    lines: LineReader,
    timeout: float,
    *,
    max_literal: int,
    go_ahead: Callable[[], Awaitable[None]],
) -> RawCommand:
    """Read one command with its literals (sending ``+`` for synchronizing ones via ``go_ahead``)."""
    cmd = RawCommand([])
    while True:
        line = await lines.readline(timeout)
        cmd.too_long = cmd.too_long or line.too_long
        cmd.size += len(line.data)
        match = _LITERAL.search(line.data)
        if match is None or line.too_long:
            cmd.items.append(line.text)
            return cmd
        cmd.items.append(line.data[: match.start()].decode("utf-8", "surrogateescape"))
        size, sync = int(match.group(1)), not match.group(2)
        literals = sum(1 for item in cmd.items if isinstance(item, bytes))
        if size > max_literal or literals >= MAX_LITERALS or cmd.size + size > max_literal + MAX_EXTRA:
            raise LiteralTooLarge(size, sync)
        if sync:
            await go_ahead()
        cmd.items.append(await lines.read_exact(size, timeout))
        cmd.size += size


def _atom_end(text: str, i: int) -> int:
    """End of the atom starting at ``i``; ``[...]`` sections may hold spaces and parentheses."""
    n = len(text)
    while i < n and text[i] not in ' ()"':
        if text[i] == "[":
            close = text.find("]", i)
            if close < 0:
                raise IMAPParseError("unterminated section")
            i = close
        i += 1
    return i


def tokenize(items: list[str | bytes]) -> list[Token]:
    """Tokens of a command: atoms and quoted strings (str), literals (bytes), parenthesised lists."""
    root: list[Token] = []
    stack: list[list[Token]] = [root]
    count = 0
    for item in items:
        if isinstance(item, bytes):
            stack[-1].append(item)
            count += 1
            continue
        i, n = 0, len(item)
        while i < n:
            count += 1
            if count > MAX_TOKENS:
                raise IMAPParseError("too many tokens")
            ch = item[i]
            if ch == " ":
                i += 1
                count -= 1
            elif ch == "(":
                if len(stack) > MAX_DEPTH:
                    raise IMAPParseError("lists nested too deep")
                new: list[Token] = []
                stack[-1].append(new)
                stack.append(new)
                i += 1
            elif ch == ")":
                if len(stack) == 1:
                    raise IMAPParseError("unbalanced )")
                stack.pop()
                i += 1
            elif ch == '"':
                out: list[str] = []
                j = i + 1
                while j < n and item[j] != '"':
                    if item[j] == "\\" and j + 1 < n:
                        j += 1
                    out.append(item[j])
                    j += 1
                if j >= n:
                    raise IMAPParseError("unterminated string")
                stack[-1].append("".join(out))
                i = j + 1
            else:
                end = _atom_end(item, i)
                stack[-1].append(item[i:end])
                i = end
    if len(stack) != 1:
        raise IMAPParseError("unbalanced (")
    return root


def sequence_set(text: str, largest: int) -> list[int] | None:
    """Numbers of an IMAP sequence set (``1:3,5,7:*``) within 1..``largest``; None if malformed."""
    if not text or len(text) > 1000:
        return None
    out: set[int] = set()
    star = max(largest, 1)
    for part in text.split(","):
        low, sep, high = part.partition(":")
        try:
            a = star if low == "*" else int(low)
            b = a if not sep else (star if high == "*" else int(high))
        except ValueError:
            return None
        if a < 1 or b < 1 or a > 2**32 or b > 2**32:
            return None
        a, b = min(a, b), max(a, b)
        out.update(range(max(a, 1), min(b, largest) + 1))
    return sorted(out)
