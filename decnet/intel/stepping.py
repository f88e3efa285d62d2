"""What the correlator and the profiler share: stepping until idle, counters as integers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


async def run_until_idle(step: Callable[[], Awaitable[int]], max_steps: int | None = None) -> int:
    """Call ``step`` (which returns how much it did) until it does nothing or ``max_steps``; sum it."""
    total = 0
    steps = 0
    while max_steps is None or steps < max_steps:
        done = await step()
        steps += 1
        if done == 0:
            break
        total += done
    return total


def int_counters(counters: dict[str, Any]) -> dict[str, int]:
    """The numeric counters of a worker_state row, as integers."""
    return {k: int(v) for k, v in counters.items() if isinstance(v, int | float)}
