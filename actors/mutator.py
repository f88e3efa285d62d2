"""The mutator actor: rotates deckies on their ``mutate_interval`` and wakes their fleet agents.

Every few seconds it runs :func:`decnet.mutator.schedule.scheduled_pass`: deckies whose
interval elapsed get a new desired spec (recorded with a ``mutation`` row and a
``decky_mutated`` event); the fleet agent of each touched host is woken and redeploys them
(the old runtime flushes its spool first). Clocks restart from the mutation table, so a
restarted mutator keeps the schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import ray

from actors.base import LoopThread, WorkerCore, start_logging, worker_settings
from decnet.mutator.schedule import Schedule, load_schedule, scheduled_pass

#: Seconds between schedule passes.
TICK_S = 5.0


def wake_agent(host: str) -> bool:
    """Ask ``host``'s fleet agent for a reconcile pass now (without waiting); False if it is gone."""
    from cluster.placement import NAMESPACE, actor_name

    try:
        agent = ray.get_actor(actor_name("fleet_agent", host), namespace=NAMESPACE)
    except ValueError:
        return False
    agent.reconcile_now.remote(0.0)
    return True


@ray.remote
class MutatorActor:
    """The fleet's mutator (named ``mutator``)."""

    def __init__(
        self, settings: dict[str, Any] | None = None, unit_s: float = 60.0, tick_s: float = TICK_S
    ) -> None:
        self.settings = worker_settings(settings)
        start_logging("mutator", self.settings)
        self.core = WorkerCore("mutator", "mutator", self.settings)
        self.unit_s = unit_s
        self.tick_s = tick_s
        self.schedule: Schedule | None = None
        self.last: dict[str, Any] = {}
        self.loop = LoopThread("mutator")
        self.loop.spawn(self._run())

    async def _run(self) -> None:
        core = self.core
        try:
            repo = await core.open_repository()
            self.schedule = await load_schedule(repo, self.unit_s)
            core.ready = True
        except Exception as exc:
            core.error = f"{type(exc).__name__}: {exc}"
            raise
        heartbeat = asyncio.create_task(core.heartbeat_forever())
        try:
            while True:
                await self._pass()
                await asyncio.sleep(self.tick_s)
        finally:
            heartbeat.cancel()

    async def _pass(self) -> None:
        core = self.core
        assert core.repo is not None and self.schedule is not None
        try:
            result = await scheduled_pass(core.repo, self.schedule, datetime.now(UTC))
        except Exception as exc:  # logged and retried on the next tick
            core.counters["errors"] = core.counters.get("errors", 0) + 1
            core.log.exception("mutator pass failed: %s", exc)
            return
        for host in sorted(result.hosts):
            with contextlib.suppress(Exception):
                if not wake_agent(host):
                    core.log.warning("no fleet agent on %s; it applies the mutation when it runs", host)
        for outcome in result.mutated:
            core.log.info(
                "decky %s mutated: %s -> %s", outcome.decky, outcome.old_services, outcome.new_services
            )
        for name, why in result.failed.items():
            core.log.warning("decky %s cannot mutate: %s", name, why)
        counters = core.counters
        counters["passes"] = counters.get("passes", 0) + 1
        counters["mutations"] = counters.get("mutations", 0) + len(result.mutated)
        counters["failed"] = counters.get("failed", 0) + len(result.failed)
        if result.mutated or result.failed:
            self.last = {
                "at": time.time(),
                "mutated": [o.decky for o in result.mutated],
                "failed": dict(result.failed),
            }

    # -- actor methods -----------------------------------------------------------------

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until the mutator has its repository and schedule (True) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while not self.core.ready:
            if self.core.error or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def check_health(self) -> dict[str, Any]:
        """Raise if the mutator cannot work; else its health, counters and last mutations."""
        if self.core.error:
            raise RuntimeError(f"mutator: {self.core.error}")
        health = self.core.health()
        health["last"] = self.last
        return health

    def pid(self) -> int:
        """The actor's process id."""
        return self.core.pid

    def shutdown(self) -> None:
        """Save the counters before the actor is killed."""
        self.loop.call(self.core.save())
