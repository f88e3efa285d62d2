"""The sink that stores received batches in the repository, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from decnet.db.repository import SQLModelRepository
from decnet.events.model import Event, Rejected


@dataclass(slots=True)
class SinkCounters:
    """What a sink has stored: new events, duplicates ignored (by eid), quarantined frames."""

    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0


class RepositorySink:
    """Stores events with ``add_events`` (idempotent on eid) and rejected frames in quarantine.

    A failure raises to the receiver, which retries the whole batch: events already
    stored come back as duplicates, so a retry never stores an event twice.
    """

    def __init__(self, repo: SQLModelRepository) -> None:
        self.repo = repo
        self.counters = SinkCounters()

    async def store(self, events: list[Event], rejected: list[Rejected]) -> None:
        """Store one batch; durable when it returns."""
        if events:
            result = await self.repo.add_events(events)
            self.counters.stored += result.inserted
            self.counters.duplicates += result.duplicates
        if rejected:
            self.counters.quarantined += await self.repo.add_rejected(rejected)
