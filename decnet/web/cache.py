"""A value recomputed at most once per time-to-live, shared by the requests of one process.

Made for read-mostly aggregates such as ``GET /api/v1/stats`` (counters over millions of rows):
concurrent requests share one computation, and while a refresh runs the previous value is served
(stale-while-revalidate), so no request waits behind a slow aggregate once a value exists.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger("decnet.web")

T = TypeVar("T")


class Refreshing(Generic[T]):
    """``compute()``'s result, recomputed when older than ``ttl_s`` (``ttl_s`` 0: every call).

    A value older than ``ttl_s`` but younger than ``max_stale_s`` is returned at once while one
    background refresh replaces it; an older one (or none) is waited for. A failed refresh is
    logged and retried by the next call; a caller that waited gets its exception.
    """

    def __init__(
        self,
        compute: Callable[[], Awaitable[T]],
        ttl_s: float,
        *,
        max_stale_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s < 0 or max_stale_s < ttl_s:
            raise ValueError("need 0 <= ttl_s <= max_stale_s")
        self._compute = compute
        self.ttl_s = ttl_s
        self.max_stale_s = max_stale_s
        self._clock = clock
        self._value: T | None = None
        self._at = float("-inf")
        self._task: asyncio.Task[T] | None = None

    def invalidate(self) -> None:
        """Forget the value: the next call computes a new one and waits for it."""
        self._value, self._at = None, float("-inf")

    async def get(self) -> T:
        """The value, at most ``ttl_s`` old (or ``max_stale_s`` while a refresh runs)."""
        if self.ttl_s == 0:
            return await self._compute()
        age = self._clock() - self._at
        if self._value is not None and age < self.ttl_s:
            return self._value
        task = self._task
        if task is None:
            task = self._task = asyncio.ensure_future(self._refresh())
            task.add_done_callback(self._done)
        if self._value is not None and age < self.max_stale_s:
            return self._value
        return await asyncio.shield(task)

    async def _refresh(self) -> T:
        started = self._clock()
        value = await self._compute()
        self._value, self._at = value, started
        return value

    def _done(self, task: asyncio.Task[T]) -> None:
        self._task = None
        if not task.cancelled() and task.exception() is not None:
            log.warning("refresh failed: %s", task.exception())
