"""A cross-process file lock that waits without blocking the event loop."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


@asynccontextmanager
async def file_lock(path: Path, timeout: float = 60.0, poll: float = 0.05) -> AsyncIterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing); ``TimeoutError`` after ``timeout`` s."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if loop.time() >= deadline:
                    raise TimeoutError(f"could not lock {path} within {timeout:g} s") from None
                await asyncio.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
