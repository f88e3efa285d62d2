"""The correlator: events after its cursor → sessions, attackers, credentials, traversals.

One :meth:`Correlator.step` reads a batch of events after the cursor, folds them into the
rows they touch and writes those rows, the new cursor and the counters in ONE transaction.
A crash at any point either commits the whole batch or nothing of it, so a restarted
correlator produces exactly what an uninterrupted one would.

Events from DECNET's own addresses (:mod:`decnet.fleet.internal`, read in the same
transaction) are counted as ``internal`` and folded into nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from decnet.db.repository import SQLModelRepository
from decnet.fleet.internal import InternalSourcesLoader
from decnet.intel.correlate import DEFAULT_GAP, Folder, needs_of
from decnet.intel.stepping import int_counters, run_until_idle
from decnet.intel.store import load_batch_state, read_events, write_batch_state

#: Name of the correlator's row in ``worker_state``.
WORKER_NAME = "correlator"
#: Events per batch (larger batches rewrite shared attacker/credential rows less often:
#: about 17,000 events per CPU-second at 1000, 24,000 at 5000 in bench/intel.py).
DEFAULT_BATCH = 5000


@dataclass(frozen=True, slots=True)
class CorrelatorStep:
    """Outcome of one step: events read, the cursor after it, counters after it."""

    events: int
    cursor: int
    counters: dict[str, int]


class Correlator:
    """Correlates stored events into the intel tables (see the module docstring)."""

    def __init__(
        self,
        repo: SQLModelRepository,
        *,
        batch_size: int = DEFAULT_BATCH,
        gap: timedelta = DEFAULT_GAP,
        name: str = WORKER_NAME,
        internal: str | Iterable[str] | None = None,
    ) -> None:
        """``internal``: extra internal sources (``DECNET_INTERNAL_SOURCES``, IPs and CIDRs)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.repo = repo
        self.batch_size = batch_size
        self.gap = gap
        self.name = name
        self.internal = InternalSourcesLoader(internal)

    async def step(self) -> CorrelatorStep:
        """Correlate one batch after the cursor (nothing to do: ``events == 0``)."""
        async with self.repo.transaction() as conn:
            saved = await self.repo.get_worker_state(self.name, conn=conn)
            cursor = int(saved.cursor) if saved is not None else 0
            counters: dict[str, Any] = dict(saved.counters or {}) if saved is not None else {}
            events = await read_events(conn, cursor, self.batch_size)
            if not events:
                return CorrelatorStep(0, cursor, int_counters(counters))
            internal = await self.internal.load(conn)
            kept = [stored for stored in events if stored.event.src_ip not in internal]
            state = await load_batch_state(conn, needs_of(kept))
            folder = Folder(state, self.gap)
            for stored in kept:
                folder.fold(stored)
            await write_batch_state(conn, state)
            cursor = events[-1].id
            counters["events"] = int(counters.get("events", 0)) + len(events)
            counters["correlated"] = int(counters.get("correlated", 0)) + folder.folded
            counters["skipped"] = int(counters.get("skipped", 0)) + folder.skipped
            counters["internal"] = int(counters.get("internal", 0)) + len(events) - len(kept)
            counters["batches"] = int(counters.get("batches", 0)) + 1
            await self.repo.save_worker_state(self.name, cursor, counters, conn=conn)
        return CorrelatorStep(len(events), cursor, int_counters(counters))

    async def run_until_idle(self, max_steps: int | None = None) -> int:
        """Step until no event is left (or ``max_steps``); returns the events correlated."""

        async def one() -> int:
            return (await self.step()).events

        return await run_until_idle(one, max_steps)
