"""When deckies are due: every ``mutate_interval`` minutes since their last mutation.

The clock of a decky starts at its last recorded mutation, or, if it never mutated, when the
scheduler first saw it (so a fresh deployment is not rotated at once). ``unit_s`` is the length
of one interval unit in seconds (60 in production; tests compress it to seconds).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from decnet.db.models import Decky, Mutation
from decnet.db.repository import SQLModelRepository
from decnet.mutator.apply import MutationOutcome, mutate_decky

#: Mutations read back per decky when the scheduler learns the last one of each.
_HISTORY_LIMIT = 10_000
#: Newest mutations read on every pass (to see operators' mutations).
_RECENT_LIMIT = 200


def interval_of(row: Decky) -> int:
    """The decky's ``mutate_interval`` (0 = never) from its stored spec; 0 if unreadable."""
    value: Any = row.spec.get("mutate_interval") if isinstance(row.spec, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(slots=True)
class Schedule:
    """The scheduler's memory: when each decky's clock started."""

    unit_s: float = 60.0
    started: dict[str, datetime] = field(default_factory=dict)

    def learn(self, mutations: Iterable[Mutation]) -> None:
        """Start clocks at the recorded mutations (the newest one per decky wins)."""
        for mutation in mutations:
            known = self.started.get(mutation.decky)
            if known is None or mutation.at > known:
                self.started[mutation.decky] = mutation.at

    def due(self, rows: Iterable[Decky], now: datetime) -> list[str]:
        """Names of the running deckies whose interval has elapsed (clocks start for new ones)."""
        out = []
        for row in rows:
            minutes = interval_of(row)
            if row.desired_state != "running" or minutes == 0:
                continue
            start = self.started.setdefault(row.name, now)
            if now - start >= timedelta(seconds=minutes * self.unit_s):
                out.append(row.name)
        return sorted(out)

    def restart(self, name: str, at: datetime) -> None:
        """Restart a decky's clock (after it mutated, whatever the trigger)."""
        self.started[name] = at

    def forget_missing(self, names: Collection[str]) -> None:
        """Drop clocks of deckies that no longer exist."""
        for name in set(self.started) - set(names):
            del self.started[name]


async def load_schedule(repo: SQLModelRepository, unit_s: float = 60.0) -> Schedule:
    """A schedule whose clocks start at each decky's last recorded mutation."""
    schedule = Schedule(unit_s)
    schedule.learn(await repo.list_mutations(limit=_HISTORY_LIMIT))
    return schedule


@dataclass(slots=True)
class PassResult:
    """What one scheduler pass did."""

    mutated: list[MutationOutcome] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def hosts(self) -> set[str]:
        """Hosts whose fleet agents must apply something."""
        return {m.host for m in self.mutated}


async def scheduled_pass(
    repo: SQLModelRepository,
    schedule: Schedule,
    now: datetime,
    *,
    available: Collection[str] | None = None,
) -> PassResult:
    """Mutate every decky that is due (trigger ``scheduled``); restart their clocks.

    Mutations recorded by others since the last pass (an operator's) restart clocks too.
    """
    result = PassResult()
    rows = await repo.list_deckies()
    schedule.forget_missing([r.name for r in rows])
    schedule.learn(await repo.list_mutations(limit=_RECENT_LIMIT))
    for name in schedule.due(rows, now):
        try:
            outcome = await mutate_decky(repo, name, "scheduled", available=available, now=now)
        except (KeyError, ValueError) as exc:
            result.failed[name] = str(exc)
            schedule.restart(name, now)  # try again one interval later, not on every pass
            continue
        schedule.restart(name, outcome.at)
        result.mutated.append(outcome)
    return result
