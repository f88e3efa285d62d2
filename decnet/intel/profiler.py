"""The profiler: attackers changed since its cursor → profile, techniques, score, history.

The cursor is the attacker's newest correlated event id (``attacker.last_event_id``, which
the correlator writes in commit order). One :meth:`Profiler.step` profiles a batch of changed
attackers and stores their profiles, techniques, history rows and the new cursor in ONE
transaction, so a restart at any point gives what an uninterrupted run would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decnet.db.repository import SQLModelRepository
from decnet.intel.profile import build_profile, changes_between
from decnet.intel.profile_store import changed_attackers, load_inputs, write_profiles
from decnet.intel.source_events import SourceEventCache
from decnet.intel.stepping import int_counters, run_until_idle

#: Name of the profiler's row in ``worker_state``.
WORKER_NAME = "profiler"
#: Attackers per batch.
DEFAULT_BATCH = 100


@dataclass(frozen=True, slots=True)
class ProfilerStep:
    """Outcome of one step: attackers profiled, the cursor after it, counters after it."""

    attackers: int
    cursor: int
    counters: dict[str, int]


class Profiler:
    """Profiles attackers the correlator changed (see the module docstring)."""

    def __init__(
        self, repo: SQLModelRepository, *, batch_size: int = DEFAULT_BATCH, name: str = WORKER_NAME
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.repo = repo
        self.batch_size = batch_size
        self.name = name
        #: Each attacker's newest events, so a step reads only the ones added since the last.
        self.source_events = SourceEventCache()

    async def step(self) -> ProfilerStep:
        """Profile one batch of changed attackers (nothing to do: ``attackers == 0``)."""
        async with self.repo.transaction() as conn:
            saved = await self.repo.get_worker_state(self.name, conn=conn)
            cursor = int(saved.cursor) if saved is not None else 0
            counters: dict[str, Any] = dict(saved.counters or {}) if saved is not None else {}
            rows = await changed_attackers(conn, cursor, self.batch_size)
            if not rows:
                return ProfilerStep(0, cursor, int_counters(counters))
            results = []
            for row, data in zip(rows, await load_inputs(conn, rows, self.source_events), strict=True):
                profile = build_profile(data)
                results.append((row, profile, changes_between(row._mapping["profile"], profile)))
            await write_profiles(conn, results)
            changed = sum(1 for _, _, changes in results if changes)
            cursor = int(rows[-1]._mapping["last_event_id"])
            counters["profiled"] = int(counters.get("profiled", 0)) + len(rows)
            counters["changes"] = int(counters.get("changes", 0)) + changed
            counters["batches"] = int(counters.get("batches", 0)) + 1
            await self.repo.save_worker_state(self.name, cursor, counters, conn=conn)
        return ProfilerStep(len(rows), cursor, int_counters(counters))

    async def run_until_idle(self, max_steps: int | None = None) -> int:
        """Step until no attacker is left to profile (or ``max_steps``); returns how many were profiled."""

        async def one() -> int:
            return (await self.step()).attackers

        return await run_until_idle(one, max_steps)
