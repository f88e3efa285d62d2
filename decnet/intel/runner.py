"""Runs a cursor worker's ``step`` forever: at once while there is work, every ``poll_s`` when idle.

Used by the correlator and profiler actors; plain asyncio, no Ray. A step that raises
(database down, deadlock) rolled its transaction back, so it is simply retried later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

#: Seconds between steps when there is nothing to do (and after an error).
DEFAULT_POLL_S = 0.2


class StepRunner:
    """Calls ``step`` (returning how much it did) in a loop and reports progress."""

    def __init__(
        self, step: Callable[[], Awaitable[int]], log: logging.Logger, *, poll_s: float = DEFAULT_POLL_S
    ) -> None:
        self.step = step
        self.log = log
        self.poll_s = poll_s
        self.steps = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last_step_at: float | None = None
        self.idle = asyncio.Event()

    async def run_forever(self) -> None:
        """Step until cancelled."""
        while True:
            try:
                done = await self.step()
                self.steps += 1
                self.last_step_at = time.time()
                self.last_error = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # rolled back: retried after a pause
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                self.log.warning("step failed (will retry): %s", self.last_error)
                done = 0
            if done:
                self.idle.clear()
                await asyncio.sleep(0)
            else:
                self.idle.set()
                await asyncio.sleep(self.poll_s)

    async def wait_idle(self, timeout: float) -> bool:
        """True once a step found nothing to do (within ``timeout`` seconds)."""
        self.idle.clear()
        try:
            await asyncio.wait_for(self.idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
