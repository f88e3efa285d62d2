"""Syslog framing over streams: octet counting (RFC 6587 3.4.1) and LF-terminated lines.

:func:`frame_octet_counted` is what DECNET senders write. :class:`FrameDecoder` reads
either kind, frame by frame (each frame decides by its first byte: a digit starts an
octet-counted frame, ``<`` an LF-terminated one), and never lets bad input hold up what
follows: an oversize frame is skipped by its declared length, an oversize line or
garbage is skipped up to the next LF or the next octet-counted frame start, and each
is reported as a :class:`FrameError` with a bounded prefix of its bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from decnet.events.model import QUARANTINE_RAW_LIMIT

#: Bytes skipped between frames (stray line ends and NUL terminators).
_SEPARATORS = b"\n\r\x00"
_OCTET_HEAD = re.compile(rb"([1-9][0-9]{0,8}) <")
_PARTIAL_OCTET_HEAD = re.compile(rb"[1-9][0-9]{0,8} ?")
# Where a skipped stretch of bad bytes ends: a line end, or something that looks like
# the start of an octet-counted syslog frame ("123 <13>1 ").
_RESYNC = re.compile(rb"\n|(?<![0-9])[1-9][0-9]{0,8} <(?:0|[1-9][0-9]{0,2})>[1-9]")
_RESYNC_KEEP = 24  # bytes kept back while skipping, so a split resync point is still found


def frame_octet_counted(message: bytes) -> bytes:
    """Frame one message as ``LEN SP MSG``."""
    return b"%d %s" % (len(message), message)


def frame_for_sending(message: bytes) -> bytes:
    """How DECNET senders frame: ``LEN SP MSG LF``.

    The LF is not part of the frame (receivers skip it between frames); it gives a
    receiver a place to resynchronise if a frame's length is ever wrong.
    """
    return b"%d %s\n" % (len(message), message)


def frame_lf(message: bytes) -> bytes:
    """Frame one message with an LF trailer (the message must not contain LF)."""
    if b"\n" in message:
        raise ValueError("LF framing cannot carry a message containing LF")
    return message + b"\n"


@dataclass(slots=True)
class FrameError:
    """Bytes that did not form a valid frame: why, a bounded prefix, and the full size."""

    reason: str
    raw: bytes
    size: int


class FrameDecoder:
    """Incremental decoder: ``feed`` bytes as they arrive, get complete frames and errors."""

    def __init__(self, max_frame: int = 65536) -> None:
        if max_frame < 16:
            raise ValueError("max_frame must be at least 16 bytes")
        self.max_frame = max_frame
        self._buf = bytearray()
        # Skipping state: bytes still to drop for an oversize octet frame, or "until resync".
        self._skip_count = 0
        self._skip_to_resync = False
        self._skip_reason = ""
        self._skip_prefix = bytearray()
        self._skip_size = 0

    # -- public -------------------------------------------------------------------

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        """Consume ``data``; return the frames (message bytes) and errors it completes, in order."""
        out: list[bytes | FrameError] = []
        buf = self._buf
        buf += data
        pos = 0
        n = len(buf)
        while pos < n:
            if self._skip_count:
                take = min(self._skip_count, n - pos)
                self._note_skipped(buf, pos, pos + take)
                self._skip_count -= take
                pos += take
                if not self._skip_count:
                    out.append(self._end_skip())
                continue
            if self._skip_to_resync:
                m = _RESYNC.search(buf, pos)
                if m is None:
                    keep_from = max(pos, n - _RESYNC_KEEP)
                    self._note_skipped(buf, pos, keep_from)
                    pos = keep_from
                    break
                end = m.end() if m.group() == b"\n" else m.start()
                if end <= pos and not self._skip_size:
                    end = pos + 1  # always make progress
                self._note_skipped(buf, pos, end)
                pos = end
                out.append(self._end_skip())
                continue
            first = buf[pos]
            if first in _SEPARATORS:
                pos += 1
                continue
            if first == 0x3C:  # '<': LF-terminated frame
                nl = buf.find(b"\n", pos, pos + self.max_frame + 2)
                if nl < 0:
                    if n - pos > self.max_frame + 1:
                        self._start_resync(f"oversize line (over {self.max_frame} bytes without LF)")
                        continue
                    break
                end = nl - 1 if nl > pos and buf[nl - 1] == 0x0D else nl
                if end - pos > self.max_frame:
                    self._start_resync(f"oversize line (over {self.max_frame} bytes)")
                    continue
                out.append(bytes(buf[pos:end]))
                pos = nl + 1
                continue
            if 0x30 <= first <= 0x39:  # digit: octet-counted frame
                m = _OCTET_HEAD.match(buf, pos)
                if m is None:
                    if _PARTIAL_OCTET_HEAD.fullmatch(buf, pos):
                        break  # the length field may still be arriving
                    self._start_resync("bad octet count (expected 'LEN SP <')")
                    continue
                length = int(m.group(1))
                start = m.end() - 1
                if length > self.max_frame:
                    self._skip_reason = f"oversize frame: declared {length} bytes, limit {self.max_frame}"
                    self._skip_count = length
                    self._skip_size = start - pos
                    self._skip_prefix = bytearray(buf[pos:start])
                    pos = start
                    continue
                if n - start < length:
                    break
                out.append(bytes(buf[start : start + length]))
                pos = start + length
                continue
            self._start_resync("garbage: not a frame start")
        del buf[:pos]
        return out

    def close(self) -> list[FrameError]:
        """End of stream: report whatever is left as truncated (or the error being skipped)."""
        out: list[FrameError] = []
        if self._skip_count:
            self._skip_reason += f"; stream ended {self._skip_count} bytes short"
            out.append(self._end_skip())
        elif self._skip_to_resync:
            self._note_skipped(self._buf, 0, len(self._buf))
            out.append(self._end_skip())
        else:
            rest = bytes(self._buf).lstrip(_SEPARATORS)
            if rest:
                m = _OCTET_HEAD.match(rest)
                if m:
                    got = len(rest) - m.end() + 1
                    reason = f"truncated frame: declared {m.group(1).decode()} bytes, got {got}"
                elif rest[:1] == b"<":
                    reason = "truncated frame: stream ended before LF"
                else:
                    reason = "garbage: not a frame start"
                out.append(FrameError(reason, rest[:QUARANTINE_RAW_LIMIT], len(rest)))
        self._buf.clear()
        return out

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buf)

    # -- skipping bad input ---------------------------------------------------------

    def _start_resync(self, reason: str) -> None:
        self._skip_to_resync = True
        self._skip_reason = reason
        self._skip_prefix = bytearray()
        self._skip_size = 0

    def _note_skipped(self, buf: bytearray, start: int, end: int) -> None:
        room = QUARANTINE_RAW_LIMIT - len(self._skip_prefix)
        if room > 0:
            self._skip_prefix += buf[start : min(end, start + room)]
        self._skip_size += end - start

    def _end_skip(self) -> FrameError:
        error = FrameError(self._skip_reason, bytes(self._skip_prefix), self._skip_size)
        self._skip_to_resync = False
        self._skip_count = 0
        self._skip_prefix = bytearray()
        self._skip_size = 0
        return error
