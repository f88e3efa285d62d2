"""Telnet (RFC 854/855) option handling: strips IAC sequences from the data stream and answers them.

The decoder is a byte-at-a-time state machine with a bounded subnegotiation buffer, so any
input (truncated sequences, endless SB, garbage) yields data, replies and option facts in
bounded memory. It learns the terminal type (RFC 1091) and window size (RFC 1073).
"""

from __future__ import annotations

from dataclasses import dataclass, field

IAC, DONT, DO, WONT, WILL, SB, SE, NOP, GA = 255, 254, 253, 252, 251, 250, 240, 241, 249
ECHO, SGA, TTYPE, NAWS, TSPEED, LINEMODE, XDISPLOC, NEW_ENVIRON, STATUS, BINARY = (
    1,
    3,
    24,
    31,
    32,
    34,
    35,
    39,
    5,
    0,
)
_IS, _SEND = 0, 1
#: IAC IP (interrupt), EC (erase character) and EL (erase line) as the terminal keys they stand for.
_CONTROLS = {244: 0x03, 247: 0x7F, 248: 0x15}
MAX_SB = 512

#: Options the server is willing to perform (answers DO with WILL) and to let the client perform.
_SERVER_OPTIONS = frozenset({ECHO, SGA, BINARY})
_CLIENT_OPTIONS = frozenset({TTYPE, NAWS, TSPEED, XDISPLOC, NEW_ENVIRON, SGA, BINARY, LINEMODE})


@dataclass(slots=True)
class TelnetDecoder:
    """Feeds raw bytes; returns the data bytes and queues the replies the server owes."""

    terminal: str = ""
    width: int = 0
    height: int = 0
    replies: bytearray = field(default_factory=bytearray)
    commands: int = 0  #: IAC commands seen (a flood is visible in the events)
    _state: int = 0  # 0 data, 1 IAC, 2 option verb, 3 SB, 4 SB IAC
    _verb: int = 0
    _sb: bytearray = field(default_factory=bytearray)
    _answered: set[tuple[int, int]] = field(default_factory=set)
    _last_cr: bool = False

    def feed(self, data: bytes) -> bytes:
        """The data in ``data`` (CR NUL becomes CR); replies accumulate in :attr:`replies`."""
        out = bytearray()
        for byte in data:
            state = self._state
            if state == 0:
                if byte == IAC:
                    self._state = 1
                elif byte == 0 and self._last_cr:
                    self._last_cr = False
                else:
                    self._last_cr = byte == 13
                    out.append(byte)
            elif state == 1:
                self.commands += 1
                if byte == IAC:
                    out.append(IAC)
                    self._state = 0
                elif byte in (WILL, WONT, DO, DONT):
                    self._verb, self._state = byte, 2
                elif byte == SB:
                    self._sb.clear()
                    self._state = 3
                else:
                    control = _CONTROLS.get(byte)
                    if control is not None:  # a line-mode client's Ctrl-C / erase keys
                        out.append(control)
                    self._state = 0  # NOP, GA, AYT, ...: nothing to answer
            elif state == 2:
                self._negotiate(self._verb, byte)
                self._state = 0
            elif state == 3:
                if byte == IAC:
                    self._state = 4
                elif len(self._sb) < MAX_SB:
                    self._sb.append(byte)
            else:  # SB then IAC
                if byte == SE:
                    self._subnegotiation(bytes(self._sb))
                    self._state = 0
                else:
                    if byte == IAC and len(self._sb) < MAX_SB:
                        self._sb.append(IAC)
                    self._state = 3
        return bytes(out)

    def _reply(self, verb: int, option: int) -> None:
        key = (verb, option)
        if key in self._answered or len(self._answered) > 256:
            return
        self._answered.add(key)
        self.replies += bytes((IAC, verb, option))

    def _negotiate(self, verb: int, option: int) -> None:
        if verb == WILL:
            if option in _CLIENT_OPTIONS:
                if option == TTYPE and (DO, TTYPE) not in self._answered:
                    self._answered.add((DO, TTYPE))
                    self.replies += bytes((IAC, SB, TTYPE, _SEND, IAC, SE))
            else:
                self._reply(DONT, option)
        elif verb == DO and option not in _SERVER_OPTIONS:
            self._reply(WONT, option)

    def _subnegotiation(self, body: bytes) -> None:
        if not body:
            return
        option, rest = body[0], body[1:]
        if option == TTYPE and rest[:1] == bytes((_IS,)):
            self.terminal = rest[1:65].decode("ascii", "replace").lower()
        elif option == NAWS and len(rest) >= 4:
            width, height = int.from_bytes(rest[0:2], "big"), int.from_bytes(rest[2:4], "big")
            self.width = width if 10 <= width <= 1000 else 0
            self.height = height if 2 <= height <= 1000 else 0

    def take_replies(self) -> bytes:
        """The replies owed so far (cleared)."""
        out = bytes(self.replies)
        self.replies.clear()
        return out


def negotiation(family: str) -> tuple[bytes, bytes]:
    """(first bytes, after the client answered) as the persona's telnetd sends them."""
    if family == "cisco":
        return bytes((IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, TTYPE, IAC, DO, NAWS)), b""
    if family == "windows":
        first = bytes((IAC, DO, 37, IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NEW_ENVIRON, IAC, DO, NAWS))
        return first + bytes((IAC, DO, BINARY, IAC, WILL, BINARY)), b""
    if family == "embedded":  # BusyBox telnetd
        return bytes((IAC, DO, ECHO, IAC, DO, NAWS, IAC, WILL, ECHO, IAC, WILL, SGA)), b""
    # netkit / inetutils telnetd (Linux, FreeBSD): terminal facts first, then echo and SGA
    first = bytes((IAC, DO, TTYPE, IAC, DO, TSPEED, IAC, DO, XDISPLOC, IAC, DO, NEW_ENVIRON))
    return first, bytes((IAC, WILL, SGA, IAC, WILL, ECHO, IAC, DO, NAWS))
