"""A bounded FIFO of framed events: memory first, spilling the oldest items to disk.

Items on disk are always older than items in memory (the oldest memory item is the one
spilled), so taking from disk first and then from memory keeps send order. Disk items
live in append-only segment files that survive a restart of the process: a new
:class:`Spool` on the same directory picks them up and they are sent again.
When both memory and disk are full the newest item is dropped and counted.
"""

from __future__ import annotations

import logging
import os
import struct
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from decnet.config import Settings

log = logging.getLogger("decnet.events.spool")

_LEN = struct.Struct(">I")
_SEGMENT_BYTES = 8 * 1024 * 1024
_SEGMENT_GLOB = "seg-*.spool"


@dataclass(slots=True)
class SpoolStats:
    """Counters of a spool since it was opened."""

    put: int = 0
    taken: int = 0
    spilled: int = 0
    dropped: int = 0
    recovered: int = 0


class _Segment:
    """One append-only segment file of length-prefixed records, read from the front."""

    def __init__(self, path: Path, items: int, size: int) -> None:
        self.path = path
        self.items = items  # unread records
        self.size = size  # bytes on disk
        self.read_offset = 0
        self._reader: BinaryIO | None = None

    def read(self, count: int) -> list[bytes]:
        if self._reader is None:
            self._reader = self.path.open("rb")
            self._reader.seek(self.read_offset)
        out: list[bytes] = []
        while len(out) < count and self.items:
            head = self._reader.read(_LEN.size)
            (length,) = _LEN.unpack(head)
            out.append(self._reader.read(length))
            self.items -= 1
        self.read_offset = self._reader.tell()
        return out

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class Spool:
    """Bounded spool of opaque byte items (framed events)."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        memory_items: int = 10_000,
        memory_bytes: int = 16 * 1024 * 1024,
        disk_max_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        if memory_items < 0:
            raise ValueError("memory_items must be >= 0 (0: every item goes straight to disk)")
        self.directory = directory
        self.memory_items = memory_items
        self.memory_bytes = memory_bytes
        self.disk_max_bytes = disk_max_bytes if directory is not None else 0
        self.stats = SpoolStats()
        self._memory: deque[bytes] = deque()
        self._memory_size = 0
        self._segments: deque[_Segment] = deque()
        self._writer: BinaryIO | None = None
        self._next_segment = 1
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._recover()

    # -- sizes --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._memory) + sum(s.items for s in self._segments)

    @property
    def disk_bytes(self) -> int:
        """Bytes held in segment files."""
        return sum(s.size for s in self._segments)

    @property
    def disk_items(self) -> int:
        """Items waiting on disk."""
        return sum(s.items for s in self._segments)

    # -- put / take ---------------------------------------------------------------

    def put(self, item: bytes) -> bool:
        """Append an item; return False if it was dropped because the spool is full."""
        self._memory.append(item)
        self._memory_size += len(item)
        self.stats.put += 1
        while len(self._memory) > self.memory_items or self._memory_size > self.memory_bytes:
            oldest = self._memory[0]
            if not self._spill(oldest):
                # No room anywhere: give up the newest item, keep the older ones.
                newest = self._memory.pop()
                self._memory_size -= len(newest)
                self.stats.dropped += 1
                self.stats.put -= 1
                if self.stats.dropped == 1 or self.stats.dropped % 1000 == 0:
                    log.error("spool full: %d events dropped so far", self.stats.dropped)
                return False
            self._memory.popleft()
            self._memory_size -= len(oldest)
        return True

    def take(self, count: int) -> list[bytes]:
        """Remove and return up to ``count`` of the oldest items."""
        out: list[bytes] = []
        while self._segments and len(out) < count:
            segment = self._segments[0]
            out.extend(segment.read(count - len(out)))
            if segment.items == 0:
                if len(self._segments) == 1:
                    self._close_writer()  # the segment being written is drained: start a fresh file
                self._drop_segment()
        while self._memory and len(out) < count:
            item = self._memory.popleft()
            self._memory_size -= len(item)
            out.append(item)
        self.stats.taken += len(out)
        return out

    def close(self) -> None:
        """Close files; items on disk stay for the next :class:`Spool` on this directory."""
        self._close_writer()
        for segment in self._segments:
            segment.close()

    def spill_all(self) -> int:
        """Move every memory item to disk (e.g. before a clean shutdown); return how many moved."""
        moved = 0
        while self._memory and self._spill(self._memory[0]):
            item = self._memory.popleft()
            self._memory_size -= len(item)
            moved += 1
        self._close_writer()
        return moved

    # -- disk ---------------------------------------------------------------------

    def _spill(self, item: bytes) -> bool:
        if self.directory is None or self.disk_bytes + _LEN.size + len(item) > self.disk_max_bytes:
            return False
        if self._writer is None or self._segments[-1].size >= _SEGMENT_BYTES:
            self._open_new_segment()
        assert self._writer is not None
        self._writer.write(_LEN.pack(len(item)) + item)
        self._writer.flush()
        segment = self._segments[-1]
        segment.items += 1
        segment.size += _LEN.size + len(item)
        self.stats.spilled += 1
        return True

    def _open_new_segment(self) -> None:
        assert self.directory is not None
        self._close_writer()
        path = self.directory / f"seg-{self._next_segment:08d}.spool"
        self._next_segment += 1
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._writer = os.fdopen(fd, "wb")
        self._segments.append(_Segment(path, 0, 0))

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _drop_segment(self) -> None:
        segment = self._segments.popleft()
        segment.close()
        segment.path.unlink(missing_ok=True)

    def _recover(self) -> None:
        """Load segments left by an earlier process; cut a torn last record."""
        assert self.directory is not None
        for path in sorted(self.directory.glob(_SEGMENT_GLOB)):
            items, good = 0, 0
            data = path.read_bytes()
            while good + _LEN.size <= len(data):
                (length,) = _LEN.unpack_from(data, good)
                if good + _LEN.size + length > len(data):
                    break
                good += _LEN.size + length
                items += 1
            if good < len(data):
                log.warning("spool segment %s: cut %d bytes of a torn record", path.name, len(data) - good)
                with path.open("r+b") as fh:
                    fh.truncate(good)
            if items:
                self._segments.append(_Segment(path, items, good))
                self.stats.recovered += items
            else:
                path.unlink(missing_ok=True)
            number = path.stem.removeprefix("seg-")
            if number.isdigit():
                self._next_segment = max(self._next_segment, int(number) + 1)


def open_spool(settings: Settings, name: str) -> Spool:
    """The spool of one sender (``name``: a decky or worker) under the configured spool directory."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"bad spool name {name!r}")
    directory = settings.effective_spool_dir / name if settings.spool_disk_max_bytes else None
    return Spool(
        directory,
        memory_items=settings.spool_memory_events,
        disk_max_bytes=settings.spool_disk_max_bytes,
    )
