"""The prober actor: realism checks of the whole fleet every few minutes (and when asked).

Each pass probes every decky that should be running (see :mod:`decnet.prober.runner`) and
stores the verdicts and a score per decky (:mod:`decnet.prober.store`). Counters (passes,
checks, failures, flagged deckies) are saved with its heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import ray

from actors.base import LoopThread, WorkerCore, start_logging, worker_settings
from decnet.prober.runner import Prober
from decnet.prober.store import prune, store_reports

#: Seconds between passes when nobody asks for one.
PROBE_INTERVAL_S = 300.0


@ray.remote
class ProberActor:
    """The fleet's realism prober (named ``prober``)."""

    def __init__(self, settings: dict[str, Any] | None = None, interval_s: float = PROBE_INTERVAL_S) -> None:
        self.settings = worker_settings(settings)
        start_logging("prober", self.settings)
        self.core = WorkerCore("prober", "prober", self.settings)
        self.interval_s = interval_s
        self.last: dict[str, Any] = {}
        self._passes = 0
        self._wake: asyncio.Event | None = None
        self.loop = LoopThread("prober")
        self.loop.spawn(self._run())

    async def _run(self) -> None:
        core = self.core
        self._wake = asyncio.Event()
        try:
            await core.open_repository()
            core.ready = True
        except Exception as exc:
            core.error = f"{type(exc).__name__}: {exc}"
            raise
        heartbeat = asyncio.create_task(core.heartbeat_forever())
        try:
            while True:
                await self._pass()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
                self._wake.clear()
        finally:
            heartbeat.cancel()

    async def _pass(self) -> None:
        core = self.core
        assert core.repo is not None
        started = time.monotonic()
        try:
            reports = await Prober().probe(await core.repo.list_deckies())
            now = datetime.now(UTC)
            await store_reports(core.repo, reports, now)
            pruned = await prune(core.repo, now)
        except Exception as exc:  # a failed pass is logged and retried on the next one
            core.counters["errors"] = core.counters.get("errors", 0) + 1
            core.log.exception("prober pass failed: %s", exc)
            return
        counters = core.counters
        counters["passes"] = counters.get("passes", 0) + 1
        counters["checks"] = counters.get("checks", 0) + sum(len(r.applicable) for r in reports)
        counters["failed_checks"] = counters.get("failed_checks", 0) + sum(len(r.failed) for r in reports)
        counters["flagged"] = sum(1 for r in reports if r.flagged)
        counters["deckies"] = len(reports)
        counters["pruned"] = counters.get("pruned", 0) + pruned
        self.last = {
            "at": time.time(),
            "seconds": round(time.monotonic() - started, 3),
            "scores": {r.decky: r.score for r in reports},
            "flagged": [r.decky for r in reports if r.flagged],
        }
        for report in reports:
            if report.flagged:
                core.log.warning(
                    "decky %s fails realism (score %.2f): %s",
                    report.decky,
                    report.score,
                    ", ".join(v.check for v in report.failed) or report.error,
                )
        self._passes += 1
        await core.save()

    # -- actor methods -----------------------------------------------------------------

    def probe_now(self, timeout: float = 300.0) -> dict[str, Any]:
        """Run a pass now and wait for it; return its scores and flagged deckies."""
        started = self._passes
        if self._wake is not None:
            self.loop.loop.call_soon_threadsafe(self._wake.set)
        deadline = time.monotonic() + timeout
        while self._passes <= started and time.monotonic() < deadline:
            time.sleep(0.05)
        return dict(self.last)

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until the prober has its repository (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while not self.core.ready:
            if self.core.error or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def check_health(self) -> dict[str, Any]:
        """Raise if the prober cannot work; else its health, counters and last pass."""
        if self.core.error:
            raise RuntimeError(f"prober: {self.core.error}")
        health = self.core.health()
        health["last_pass"] = self.last
        return health

    def pid(self) -> int:
        """The actor's process id."""
        return self.core.pid

    def shutdown(self) -> None:
        """Save the counters before the actor is killed."""
        self.loop.call(self.core.save())
