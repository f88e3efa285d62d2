"""Start-up against a database that may not be up yet."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from decnet.db.errors import DatabaseUnavailable
from decnet.db.repository import SQLModelRepository

log = logging.getLogger("decnet.db")


async def connect_with_retry(
    repo: SQLModelRepository,
    attempts: int,
    max_delay: float,
    *,
    base_delay: float = 0.5,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """``repo.initialize()``, retried with capped exponential backoff and full jitter.

    Makes ``max(attempts, 1)`` tries, waiting up to ``min(max_delay, base_delay * 2**n)`` seconds
    between them, logging each failure on ``decnet.db``; the last :class:`DatabaseUnavailable`
    is re-raised. Other errors (a failed migration) are not retried.
    """
    attempts = max(attempts, 1)
    for attempt in range(1, attempts + 1):
        try:
            await repo.initialize()
        except DatabaseUnavailable as error:
            if attempt == attempts:
                log.error("giving up after %d attempt(s): %s", attempts, error)
                raise
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))
            log.warning("attempt %d/%d failed, retrying in %.2f s: %s", attempt, attempts, delay, error)
            await sleep(delay)
        else:
            if attempt > 1:
                log.info("connected to %s after %d attempts", repo.display_url, attempt)
            return
