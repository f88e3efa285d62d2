"""In-process telemetry of a repository: per-method call count, errors and latency.

:func:`instrument` wraps every public coroutine method of one object (not its class) and
records into the object's ``telemetry`` (:class:`Telemetry`); read it with
``repo.telemetry.snapshot()``. Latency percentiles come from a bounded uniform reservoir
(Vitter's algorithm R), so memory stays constant however long the process runs.
"""

from __future__ import annotations

import functools
import inspect
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar

#: Latency samples kept per method.
RESERVOIR_SIZE = 1024


@dataclass(frozen=True, slots=True)
class MethodStats:
    """Telemetry of one method at snapshot time (latencies in seconds)."""

    calls: int
    errors: int
    total_s: float
    max_s: float
    p50_s: float
    p95_s: float
    p99_s: float

    @property
    def mean_s(self) -> float:
        """Mean latency."""
        return self.total_s / self.calls if self.calls else 0.0

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict (for JSON), mean included."""
        return {**asdict(self), "mean_s": self.mean_s}


@dataclass(slots=True)
class _Recorder:
    calls: int = 0
    errors: int = 0
    total_s: float = 0.0
    max_s: float = 0.0
    samples: list[float] = field(default_factory=list)

    def add(self, elapsed: float, failed: bool, rng: random.Random) -> None:
        self.calls += 1
        self.errors += failed
        self.total_s += elapsed
        if elapsed > self.max_s:
            self.max_s = elapsed
        if len(self.samples) < RESERVOIR_SIZE:
            self.samples.append(elapsed)
        else:
            slot = rng.randrange(self.calls)
            if slot < RESERVOIR_SIZE:
                self.samples[slot] = elapsed

    def stats(self) -> MethodStats:
        ordered = sorted(self.samples)
        return MethodStats(
            calls=self.calls,
            errors=self.errors,
            total_s=self.total_s,
            max_s=self.max_s,
            p50_s=_percentile(ordered, 50),
            p95_s=_percentile(ordered, 95),
            p99_s=_percentile(ordered, 99),
        )


def _percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted samples (0.0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


class Telemetry:
    """Thread-safe per-method counters and latency reservoirs."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._methods: dict[str, _Recorder] = {}
        self._rng = random.Random(seed)

    def record(self, method: str, elapsed: float, failed: bool = False) -> None:
        """Account one call of ``method`` that took ``elapsed`` seconds."""
        with self._lock:
            recorder = self._methods.get(method)
            if recorder is None:
                recorder = self._methods[method] = _Recorder()
            recorder.add(elapsed, failed, self._rng)

    def snapshot(self) -> dict[str, MethodStats]:
        """Stats of every method called so far, by method name."""
        with self._lock:
            return {name: rec.stats() for name, rec in sorted(self._methods.items())}

    def reset(self) -> None:
        """Forget everything recorded."""
        with self._lock:
            self._methods.clear()


class HasTelemetry(Protocol):
    """Anything with a ``telemetry`` attribute (every repository)."""

    telemetry: Telemetry


T = TypeVar("T", bound=HasTelemetry)


def instrument(obj: T) -> T:
    """Wrap each public coroutine method of ``obj`` to record into ``obj.telemetry``; returns ``obj``.

    Idempotent: an already instrumented object is returned unchanged.
    """
    if getattr(obj, "_telemetry_instrumented", False):
        return obj
    for name, member in inspect.getmembers(type(obj)):
        if name.startswith("_") or not inspect.iscoroutinefunction(member):
            continue
        setattr(obj, name, _timed(obj.telemetry, name, getattr(obj, name)))
    obj._telemetry_instrumented = True  # type: ignore[attr-defined]
    return obj


def _timed(
    telemetry: Telemetry, name: str, method: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        failed = False
        start = time.perf_counter()
        try:
            return await method(*args, **kwargs)
        except Exception:
            failed = True
            raise
        finally:
            telemetry.record(name, time.perf_counter() - start, failed)

    return wrapper
