"""The fleet agent actor: one per decky host, reconciling desired deckies with its backends.

Every few seconds (and at once when asked) it runs :func:`decnet.engine.reconcile.reconcile_host`:
deckies recorded for its host with desired state ``running`` are deployed if they are not
running, deckies marked ``absent`` are torn down and forgotten, actual states are written
back. The pass is idempotent, so an agent killed mid-deploy converges on its next pass after
Ray restarts it.
"""

from __future__ import annotations

import time
from typing import Any

import ray

from actors.base import (
    HEARTBEAT_S,
    LoopThread,
    PassLoop,
    WorkerActor,
    WorkerCore,
    start_logging,
    worker_settings,
)
from decnet.engine.reconcile import reconcile_host

#: Seconds between reconcile passes when nobody asks for one.
RECONCILE_S = 10.0


@ray.remote
class FleetAgentActor(WorkerActor):
    """The fleet of one decky host (named ``fleet_agent:<host>``); its deckies outlive it."""

    def __init__(self, host: str, settings: dict[str, Any] | None = None) -> None:
        self.host = host
        self.settings = worker_settings(settings)
        start_logging("fleet_agent", self.settings)
        self.core = WorkerCore(f"fleet_agent:{host}", "fleet_agent", self.settings)
        self.last: dict[str, Any] = {}
        self.loop = LoopThread(f"fleet-agent-{host}")
        self.passes = PassLoop(self.loop, RECONCILE_S)
        self.loop.spawn(self._run())

    async def _run(self) -> None:
        async with self.core.starting():
            await self.core.open_repository()
            self.core.ready = True
        await self.core.beating(self.passes.run(self._pass))

    async def _pass(self) -> bool:
        core = self.core
        assert core.repo is not None
        try:
            result = await reconcile_host(self.settings, core.repo, self.host)
        except Exception as exc:  # a pass that fails is logged and retried on the next one
            core.counters["errors"] = core.counters.get("errors", 0) + 1
            core.log.exception("reconcile pass on %s failed: %s", self.host, exc)
            return False
        counters = core.counters
        counters["passes"] = counters.get("passes", 0) + 1
        counters["deployed"] = counters.get("deployed", 0) + len(result.deployed)
        counters["torn_down"] = counters.get("torn_down", 0) + len(result.torn_down)
        counters["redeployed"] = counters.get("redeployed", 0) + len(result.redeployed)
        counters["failed"] = counters.get("failed", 0) + len(result.failed)
        counters["running"] = len(result.running) + len(result.deployed)
        self.last = {
            "at": time.time(),
            "deployed": result.deployed,
            "torn_down": result.torn_down,
            "redeployed": result.redeployed,
            "failed": result.failed,
            "running": result.running,
        }
        await core.save()
        return True

    # -- actor methods -----------------------------------------------------------------

    def reconcile_now(self, timeout: float = 300.0) -> dict[str, Any]:
        """Run a pass now and wait for it; return what it did."""
        self.passes.run_now(timeout)
        return dict(self.last)

    def check_health(self) -> dict[str, Any]:
        """Raise if the agent cannot work; else its health, counters and last pass."""
        health = self._health(f"fleet agent {self.host}")
        health["last_pass"] = self.last
        health["heartbeat_s"] = HEARTBEAT_S
        return health
