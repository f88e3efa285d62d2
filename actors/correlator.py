"""The correlator actor: one per cluster, floating; schedules :class:`decnet.intel.Correlator`.

All progress (cursor, counters) is written by the correlator in the same transaction as its
output, so a restarted actor (Ray re-runs ``__init__``) resumes exactly where the last
committed batch ended. The heartbeat writes only liveness, never the cursor.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import ray

from actors.base import HEARTBEAT_S, LoopThread, WorkerCore, start_logging, worker_settings
from decnet.intel.correlator import DEFAULT_BATCH, WORKER_NAME, Correlator
from decnet.intel.runner import DEFAULT_POLL_S, StepRunner


class IntelWorker:
    """The shared body of the correlator and profiler actors."""

    kind = ""

    def __init__(self, settings: dict[str, Any] | None, *, batch_size: int, poll_s: float) -> None:
        self.settings = worker_settings(settings)
        start_logging(self.kind, self.settings)
        self.core = WorkerCore(self.kind, self.kind, self.settings)
        self.batch_size = batch_size
        self.poll_s = poll_s
        self.runner: StepRunner | None = None
        self.loop = LoopThread(self.kind)
        self.loop.spawn(self._run())

    def make_step(self) -> Any:
        """The worker's step coroutine function over ``self.core.repo``."""
        raise NotImplementedError

    async def _run(self) -> None:
        core = self.core
        try:
            await core.open_repository()
            self.runner = StepRunner(self.make_step(), core.log, poll_s=self.poll_s)
            core.ready = True
            core.log.info("%s running from cursor %d", self.kind, core.cursor)
        except Exception as exc:
            core.error = f"{type(exc).__name__}: {exc}"
            core.log.error("%s cannot start: %s", self.kind, core.error)
            raise
        await asyncio.gather(self.runner.run_forever(), self._heartbeat())

    async def _heartbeat(self) -> None:
        core = self.core
        while True:
            try:
                assert core.repo is not None
                await core.repo.heartbeat(core.name, core.node, core.pid)
            except Exception as exc:
                core.log.warning("%s: heartbeat failed: %s", core.name, exc)
            await asyncio.sleep(HEARTBEAT_S)

    # -- actor methods -----------------------------------------------------------------

    def check_health(self) -> dict[str, Any]:
        """Raise if the worker could not start; else its health, cursor and counters."""
        if self.core.error:
            raise RuntimeError(f"{self.kind}: {self.core.error}")
        health = self.core.health()
        if self.runner is not None:
            health["steps"] = self.runner.steps
            health["errors"] = self.runner.errors
            health["last_error"] = self.runner.last_error
        return health

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until the repository is open (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while not self.core.ready:
            if self.core.error or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until a step finds nothing left to do."""
        if self.runner is None and not self.wait_ready(timeout):
            return False
        assert self.runner is not None
        return self.loop.call(self.runner.wait_idle(timeout), timeout + 5)

    def pid(self) -> int:
        """The actor's process id (for operators and chaos tests)."""
        return self.core.pid

    def counters(self) -> dict[str, int]:
        """Counters as of the last committed step."""
        return dict(self.core.counters)

    def shutdown(self) -> None:
        """Record a last heartbeat before the actor is killed (progress is already committed)."""
        if self.core.repo is not None:
            self.loop.call(self.core.repo.heartbeat(self.core.name, self.core.node, self.core.pid))


class _Correlator(IntelWorker):
    kind = WORKER_NAME

    def __init__(
        self,
        settings: dict[str, Any] | None = None,
        *,
        batch_size: int = DEFAULT_BATCH,
        poll_s: float = DEFAULT_POLL_S,
    ) -> None:
        super().__init__(settings, batch_size=batch_size, poll_s=poll_s)

    def make_step(self) -> Any:
        assert self.core.repo is not None
        correlator = Correlator(
            self.core.repo, batch_size=self.batch_size, internal=self.settings.internal_sources
        )
        core = self.core

        async def step() -> int:
            result = await correlator.step()
            core.cursor, core.counters = result.cursor, result.counters
            return result.events

        return step


#: The correlator actor (named ``correlator``).
CorrelatorActor = ray.remote(_Correlator)
