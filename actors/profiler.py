"""The profiler actor: one per cluster, floating (or on the web host with DECNET_EMBED_PROFILER=1);
schedules :class:`decnet.intel.Profiler`. Progress is committed with each profiled batch, so a
restarted actor resumes exactly where the last committed batch ended."""

from __future__ import annotations

from typing import Any

import ray

from actors.correlator import IntelWorker
from decnet.intel.profiler import DEFAULT_BATCH, WORKER_NAME, Profiler
from decnet.intel.runner import DEFAULT_POLL_S


class _Profiler(IntelWorker):
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
        profiler = Profiler(self.core.repo, batch_size=self.batch_size)
        core = self.core

        async def step() -> int:
            result = await profiler.step()
            core.cursor, core.counters = result.cursor, result.counters
            return result.attackers

        return step


#: The profiler actor (named ``profiler``).
ProfilerActor = ray.remote(_Profiler)
