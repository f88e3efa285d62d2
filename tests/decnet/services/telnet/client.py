"""A tiny IAC-aware telnet client for the tests (answers options like a real client, collects text)."""

from __future__ import annotations

import asyncio
import re

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA, TTYPE, NAWS = 1, 3, 24, 31


class TelnetClient:
    """Connects, negotiates TTYPE/NAWS/ECHO/SGA, and reads text with IAC sequences removed."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, term: str = "xterm"
    ) -> None:
        self.reader, self.writer, self.term = reader, writer, term
        self.text = bytearray()  #: every data byte received
        self.raw = bytearray()  #: every byte received
        self.options: list[tuple[int, int]] = []  #: (verb, option) received
        self._pos = 0
        self._buf = bytearray()

    @classmethod
    async def connect(cls, port: int, term: str = "xterm") -> TelnetClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, term)

    def _answer(self, verb: int, option: int) -> bytes:
        self.options.append((verb, option))
        if verb == DO:
            if option == TTYPE:
                return bytes((IAC, WILL, TTYPE))
            if option == NAWS:
                return bytes((IAC, WILL, NAWS, IAC, SB, NAWS, 0, 100, 0, 30, IAC, SE))
            return bytes((IAC, WONT, option))
        if verb == WILL:
            return bytes((IAC, DO if option in (ECHO, SGA) else DONT, option))
        return b""

    def _parse(self) -> bytes:
        out = bytearray()
        buf = self._buf
        i = 0
        while i < len(buf):
            if buf[i] != IAC:
                self.text.append(buf[i])
                i += 1
                continue
            if i + 1 >= len(buf):
                break
            cmd = buf[i + 1]
            if cmd in (DO, DONT, WILL, WONT):
                if i + 2 >= len(buf):
                    break
                out += self._answer(cmd, buf[i + 2])
                i += 3
            elif cmd == SB:
                end = buf.find(bytes((IAC, SE)), i)
                if end < 0:
                    break
                if buf[i + 2 : i + 4] == bytes((TTYPE, 1)):
                    out += bytes((IAC, SB, TTYPE, 0)) + self.term.encode() + bytes((IAC, SE))
                i = end + 2
            else:
                i += 2
        del buf[:i]
        return bytes(out)

    async def read_until(self, pattern: bytes, timeout: float = 5.0) -> bytes:
        """Text received from the last match up to and including ``pattern`` (a regex)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        regex = re.compile(pattern)
        while True:
            match = regex.search(self.text, self._pos)
            if match is not None:
                chunk = bytes(self.text[self._pos : match.end()])
                self._pos = match.end()
                return chunk
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{pattern!r} not received; got {bytes(self.text[self._pos :])!r}")
            data = await asyncio.wait_for(self.reader.read(4096), remaining)
            if not data:
                raise AssertionError(f"closed before {pattern!r}; got {bytes(self.text[self._pos :])!r}")
            self.raw += data
            self._buf += data
            answer = self._parse()
            if answer:
                self.writer.write(answer)
                await self.writer.drain()

    async def line(self, text: str) -> None:
        """Type ``text`` and Enter (CR LF, as a client in line mode sends)."""
        self.writer.write(text.encode() + b"\r\n")
        await self.writer.drain()

    async def closed(self, timeout: float = 5.0) -> bytes:
        """Everything left until the server closes."""
        rest = bytearray()
        while True:
            data = await asyncio.wait_for(self.reader.read(4096), timeout)
            if not data:
                return bytes(rest)
            rest += data

    def close(self) -> None:
        self.writer.close()
