"""Captured uploads and messages: hashed in full, kept on disk (not in memory), named by their sha256.

A :class:`Capture` receives the bytes of one upload (an SMTP message, an FTP or TFTP file):
it hashes everything, keeps the first ``limit`` bytes in a private temporary file under the
service's state directory and the first ``head`` bytes in memory (for events). :meth:`keep`
moves the file to ``<sha256><suffix>`` unless the folder already holds ``max_files`` captures.
Memory per capture is bounded by ``head``, whatever the size of the upload.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger("decnet.services.capture")

HEAD_BYTES = 65536


class Capture:
    """The bytes of one upload."""

    def __init__(self, folder: Path | None, limit: int, *, head: int = HEAD_BYTES) -> None:
        self.folder = folder
        self.limit = limit
        self.head_limit = head
        self.digest = hashlib.sha256()
        self.size = 0  #: bytes received
        self.kept = 0  #: bytes written to the file
        self.head = bytearray()
        self._tmp: Path | None = None
        self._fd: int | None = None
        if folder is not None and limit > 0:
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._tmp = folder / f".capture-{secrets.token_hex(8)}.tmp"
                self._fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as exc:
                log.warning("cannot capture to %s: %s", folder, exc)
                self._tmp, self._fd = None, None

    @property
    def sha256(self) -> str:
        """Hex sha256 of everything received so far."""
        return self.digest.hexdigest()

    @property
    def truncated(self) -> bool:
        """True if fewer bytes were kept than received."""
        return self.kept < self.size

    def add(self, chunk: bytes) -> None:
        """Take the next bytes."""
        self.size += len(chunk)
        self.digest.update(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        room = self.limit - self.kept
        if room <= 0:
            return
        piece = chunk[:room]
        if self._fd is not None:
            try:
                os.write(self._fd, piece)
            except OSError as exc:
                log.warning("capture write failed: %s", exc)
                self.discard()
        self.kept += len(piece)

    def keep(self, suffix: str, max_files: int) -> str:
        """Store the kept bytes as ``<sha256><suffix>``; its name, or '' (storage off, full or failed)."""
        if self._fd is None or self._tmp is None or self.folder is None:
            return ""
        os.close(self._fd)
        self._fd = None
        tmp, self._tmp = self._tmp, None
        path = self.folder / f"{self.sha256}{suffix}"
        try:
            if path.exists():
                return path.name
            if sum(1 for _ in self.folder.glob(f"*{suffix}")) >= max_files:
                return ""
            os.replace(tmp, path)
            return path.name
        except OSError as exc:
            log.warning("cannot store capture %s: %s", path.name, exc)
            return ""
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def discard(self) -> None:
        """Drop the temporary file (nothing is kept)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()
            self._tmp = None

    def __del__(self) -> None:
        self.discard()
