"""The mutator actor: rotates deckies on their ``mutate_interval`` and wakes their fleet agents.

Every few seconds it runs :func:`decnet.mutator.schedule.scheduled_pass`: deckies whose
interval elapsed get a new desired spec (recorded with a ``mutation`` row and a
``decky_mutated`` event); the fleet agent of each touched host is woken and redeploys them
(the old runtime flushes its spool first). Clocks restart from the mutation table, so a
restarted mutator keeps the schedule.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from typing import Any

import ray

from actors.base import LoopThread, PassLoop, WorkerActor, WorkerCore, start_logging, worker_settings
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
class MutatorActor(WorkerActor):
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
        self.passes = PassLoop(self.loop, tick_s)
        self.loop.spawn(self._run())

    async def _run(self) -> None:
        async with self.core.starting():
            repo = await self.core.open_repository()
            self.schedule = await load_schedule(repo, self.unit_s)
            self.core.ready = True
        await self.core.beating(self.passes.run(self._pass))

    async def _pass(self) -> bool:
        core = self.core
        assert core.repo is not None and self.schedule is not None
        try:
            result = await scheduled_pass(core.repo, self.schedule, datetime.now(UTC))
        except Exception as exc:  # logged and retried on the next tick
            core.counters["errors"] = core.counters.get("errors", 0) + 1
            core.log.exception("mutator pass failed: %s", exc)
            return False
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
        return True

    # -- actor methods -----------------------------------------------------------------

    def check_health(self) -> dict[str, Any]:
        """Raise if the mutator cannot work; else its health, counters and last mutations."""
        health = self._health("mutator")
        health["last"] = self.last
        return health
