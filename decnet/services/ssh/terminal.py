"""Line editing for a pty session, good enough for the OpenSSH client.

The client's terminal is in raw mode, so the server echoes, handles backspace, Ctrl-C,
Ctrl-D, Ctrl-U/K/W, arrows (cursor and history) and Enter (CR, LF or CRLF). Input is
decoded as UTF-8 (invalid bytes become U+FFFD); a line never grows past ``max_line``.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass

MAX_LINE = 4096
_BELL = "\x07"


@dataclass(frozen=True, slots=True)
class Echo:
    """Text to write back to the terminal."""

    text: str


@dataclass(frozen=True, slots=True)
class Line:
    """A completed input line."""

    text: str


@dataclass(frozen=True, slots=True)
class Interrupt:
    """Ctrl-C: the current line is abandoned."""


@dataclass(frozen=True, slots=True)
class EndOfFile:
    """Ctrl-D on an empty line."""


@dataclass(frozen=True, slots=True)
class Redraw:
    """Ctrl-L: the screen was cleared; write the prompt and :meth:`LineEditor.redraw`."""


Action = Echo | Line | Interrupt | EndOfFile | Redraw


class LineEditor:
    """Turns raw terminal bytes into echo output and completed lines."""

    def __init__(self, history: Sequence[str] = (), max_line: int = MAX_LINE) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buf: list[str] = []
        self._pos = 0
        self._history = history
        self._hist_index: int | None = None
        self._saved: list[str] = []
        self._esc: str | None = None
        self._last_cr = False
        self.max_line = max_line

    @property
    def line(self) -> str:
        """The line being edited."""
        return "".join(self._buf)

    def feed(self, data: bytes) -> list[Action]:
        """Process ``data``; return what to echo and which lines completed, in order."""
        actions: list[Action] = []
        out: list[str] = []

        def flush() -> None:
            if out:
                actions.append(Echo("".join(out)))
                out.clear()

        for ch in self._decoder.decode(data):
            if self._esc is not None:
                self._escape(ch, out)
                continue
            if ch == "\n" and self._last_cr:
                self._last_cr = False
                continue
            self._last_cr = ch == "\r"
            if ch in "\r\n":
                out.append("\r\n")
                flush()
                actions.append(Line(self.line))
                self._reset()
            elif ch == "\x03":
                out.append("^C\r\n")
                flush()
                actions.append(Interrupt())
                self._reset()
            elif ch == "\x04":
                if not self._buf:
                    flush()
                    actions.append(EndOfFile())
                    self._reset()
                elif self._pos < len(self._buf):
                    self._delete_at_cursor(out)
            elif ch in "\x7f\x08":
                self._backspace(out)
            elif ch == "\x15":  # Ctrl-U: kill to start of line
                self._kill(0, self._pos, out)
            elif ch == "\x0b":  # Ctrl-K: kill to end of line
                self._kill(self._pos, len(self._buf), out)
            elif ch == "\x17":  # Ctrl-W: kill previous word
                start = self._pos
                while start > 0 and self._buf[start - 1] == " ":
                    start -= 1
                while start > 0 and self._buf[start - 1] != " ":
                    start -= 1
                self._kill(start, self._pos, out)
            elif ch == "\x01":  # Ctrl-A
                self._move(0, out)
            elif ch == "\x05":  # Ctrl-E
                self._move(len(self._buf), out)
            elif ch == "\x0c":  # Ctrl-L: clear screen; the caller redraws the prompt
                out.append("\x1b[H\x1b[2J")
                flush()
                actions.append(Redraw())
            elif ch == "\x1b":
                self._esc = ""
            elif ch == "\t":
                out.append(_BELL)
            elif ch < " " or ch == "\x9b":
                continue
            else:
                self._insert(ch, out)
        flush()
        return actions

    def redraw(self) -> str:
        """The current line with the cursor at its place (after a prompt is rewritten)."""
        tail = len(self._buf) - self._pos
        return self.line + (f"\x1b[{tail}D" if tail else "")

    # ---------------------------------------------------------------- editing

    def _reset(self) -> None:
        self._buf = []
        self._pos = 0
        self._hist_index = None

    def _insert(self, ch: str, out: list[str]) -> None:
        if len(self._buf) >= self.max_line:
            out.append(_BELL)
            return
        self._buf.insert(self._pos, ch)
        self._pos += 1
        tail = "".join(self._buf[self._pos :])
        out.append(ch + tail + ("\b" * len(tail)))

    def _backspace(self, out: list[str]) -> None:
        if self._pos == 0:
            out.append(_BELL)
            return
        self._pos -= 1
        del self._buf[self._pos]
        tail = "".join(self._buf[self._pos :])
        out.append("\b" + tail + " " + "\b" * (len(tail) + 1))

    def _delete_at_cursor(self, out: list[str]) -> None:
        del self._buf[self._pos]
        tail = "".join(self._buf[self._pos :])
        out.append(tail + " " + "\b" * (len(tail) + 1))

    def _kill(self, start: int, end: int, out: list[str]) -> None:
        if start >= end:
            return
        self._move(start, out)
        del self._buf[start:end]
        tail = "".join(self._buf[start:])
        removed = end - start
        out.append(tail + " " * removed + "\b" * (len(tail) + removed))

    def _move(self, target: int, out: list[str]) -> None:
        target = max(0, min(target, len(self._buf)))
        if target < self._pos:
            out.append("\b" * (self._pos - target))
        elif target > self._pos:
            out.append("".join(self._buf[self._pos : target]))
        self._pos = target

    def _replace(self, text: str, out: list[str]) -> None:
        self._move(0, out)
        old_len = len(self._buf)
        self._buf = list(text[: self.max_line])
        self._pos = len(self._buf)
        pad = max(0, old_len - len(self._buf))
        out.append(self.line + " " * pad + "\b" * pad)

    def _history_step(self, step: int, out: list[str]) -> None:
        if not self._history:
            out.append(_BELL)
            return
        if self._hist_index is None:
            if step > 0:
                out.append(_BELL)
                return
            self._saved = list(self._buf)
            index = len(self._history) - 1
        else:
            index = self._hist_index + step
        if index < 0:
            out.append(_BELL)
            return
        if index >= len(self._history):
            self._hist_index = None
            self._replace("".join(self._saved), out)
            return
        self._hist_index = index
        self._replace(self._history[index], out)

    def _escape(self, ch: str, out: list[str]) -> None:
        seq = self._esc or ""
        if not seq:
            if ch in "[O":
                self._esc = ch
            else:
                self._esc = None
            return
        if len(seq) > 16:
            self._esc = None
            return
        if ch.isdigit() or ch == ";":
            self._esc = seq + ch
            return
        self._esc = None
        code = seq[1:] + ch
        if code == "A":
            self._history_step(-1, out)
        elif code == "B":
            self._history_step(1, out)
        elif code == "C":
            if self._pos < len(self._buf):
                self._move(self._pos + 1, out)
        elif code == "D":
            if self._pos > 0:
                self._move(self._pos - 1, out)
        elif code in {"H", "1~", "7~"}:
            self._move(0, out)
        elif code in {"F", "4~", "8~"}:
            self._move(len(self._buf), out)
        elif code == "3~" and self._pos < len(self._buf):
            self._delete_at_cursor(out)
