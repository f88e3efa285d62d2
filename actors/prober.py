"""The prober actor: realism checks of the whole fleet every few minutes (and when asked).

Each pass probes every decky that should be running (see :mod:`decnet.prober.runner`) and
stores the verdicts and a score per decky (:mod:`decnet.prober.store`). Counters (passes,
checks, failures, flagged deckies) are saved with its heartbeat.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import ray

from actors.base import LoopThread, PassLoop, WorkerActor, WorkerCore, start_logging, worker_settings
from decnet.prober.runner import Prober
from decnet.prober.store import prune, store_reports

#: Seconds between passes when nobody asks for one.
PROBE_INTERVAL_S = 300.0


@ray.remote
class ProberActor(WorkerActor):
    """The fleet's realism prober (named ``prober``)."""

    def __init__(self, settings: dict[str, Any] | None = None, interval_s: float = PROBE_INTERVAL_S) -> None:
        self.settings = worker_settings(settings)
        start_logging("prober", self.settings)
        self.core = WorkerCore("prober", "prober", self.settings)
        self.interval_s = interval_s
        self.last: dict[str, Any] = {}
        self.loop = LoopThread("prober")
        self.passes = PassLoop(self.loop, interval_s)
        self.loop.spawn(self._run())

    async def _run(self) -> None:
        async with self.core.starting():
            await self.core.open_repository()
            self.core.ready = True
        await self.core.beating(self.passes.run(self._pass))

    async def _pass(self) -> bool:
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
            return False
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
        await core.save()
        return True

    # -- actor methods -----------------------------------------------------------------

    def probe_now(self, timeout: float = 300.0) -> dict[str, Any]:
        """Run a pass now and wait for it; return its scores and flagged deckies."""
        self.passes.run_now(timeout)
        return dict(self.last)

    def check_health(self) -> dict[str, Any]:
        """Raise if the prober cannot work; else its health, counters and last pass."""
        health = self._health("prober")
        health["last_pass"] = self.last
        return health
