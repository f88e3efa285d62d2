"""A bounded line reader for the text protocols (smtp, ftp, imap, pop3, telnet's login).

Lines end at LF (a CR before it is dropped). A line longer than the limit is cut: its first
``max_line`` bytes are returned with ``too_long`` set and the rest, up to the next LF, is
discarded without being buffered. Every read has a deadline covering the whole line, so a
client dripping one byte a second cannot hold a session past the idle timeout.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

_CHUNK = 4096


class Closed(Exception):
    """The peer went away or stayed silent; ``reason`` is ``eof``, ``timeout`` or ``reset``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Line:
    """One input line without its terminator."""

    data: bytes
    too_long: bool = False

    @property
    def text(self) -> str:
        """The line as text (undecodable bytes kept as surrogate escapes, so nothing is lost)."""
        return self.data.decode("utf-8", "surrogateescape")


class LineReader:
    """Reads bounded lines (and bounded raw bytes) from a stream."""

    def __init__(self, reader: asyncio.StreamReader, max_line: int) -> None:
        self.reader = reader
        self.max_line = max_line
        self._buf = bytearray()
        self.bytes_in = 0

    @property
    def buffered(self) -> int:
        """Bytes received but not consumed yet."""
        return len(self._buf)

    def discard(self) -> None:
        """Drop what is buffered (after STARTTLS: plaintext sent before the handshake is not trusted)."""
        self._buf.clear()

    async def _fill(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise Closed("timeout")
        try:
            chunk = await asyncio.wait_for(self.reader.read(_CHUNK), remaining)
        except TimeoutError:
            raise Closed("timeout") from None
        except (ConnectionError, OSError):
            raise Closed("reset") from None
        if not chunk:
            raise Closed("eof")
        self.bytes_in += len(chunk)
        self._buf += chunk

    async def readline(self, timeout: float) -> Line:
        """The next line; :class:`Closed` at end of input, on error or when ``timeout`` passes."""
        deadline = asyncio.get_running_loop().time() + timeout
        head = bytearray()
        too_long = False
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                if not too_long:
                    head += self._buf[:nl]
                del self._buf[: nl + 1]
                if len(head) > self.max_line:
                    del head[self.max_line :]
                    too_long = True
                if head.endswith(b"\r"):
                    del head[-1:]
                return Line(bytes(head), too_long)
            if not too_long:
                head += self._buf
                if len(head) > self.max_line:
                    del head[self.max_line :]
                    too_long = True
            self._buf.clear()
            await self._fill(deadline)

    async def read_exact(self, size: int, timeout: float) -> bytes:
        """Exactly ``size`` bytes (an IMAP literal); the caller bounds ``size``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self._buf) < size:
            await self._fill(deadline)
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data
