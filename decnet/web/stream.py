"""The live feed behind ``GET /api/v1/stream``: one poller per app fans new events out to clients.

The poller runs only while someone listens. It reads events newer than its cursor from the
repository once per ``poll_s`` (so it sees what any collector wrote, on any replica) and
counters every ``stats_s``. Each client has a bounded queue: when a slow client's queue is
full its events are dropped and counted, never buffered without limit. At most
``max_clients`` listen at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from decnet.db.repository import SQLModelRepository
from decnet.web.queries import EventFilter, counters, query_events

log = logging.getLogger("decnet.web")


class TooManyClients(Exception):
    """The stream already has its maximum number of clients."""


@dataclass(eq=False)
class Subscription:
    """One client's queue of ``(kind, payload)`` items and its count of dropped events."""

    queue: asyncio.Queue[tuple[str, Any]]
    dropped: int = 0
    closed: bool = field(default=False)

    def offer(self, kind: str, payload: Any) -> None:
        """Queue an item, or drop it (counted) if the queue is full."""
        try:
            self.queue.put_nowait((kind, payload))
        except asyncio.QueueFull:
            self.dropped += 1


class EventHub:
    """Polls the repository for new events and stats while clients listen."""

    def __init__(
        self,
        repo: SQLModelRepository,
        *,
        poll_s: float = 1.0,
        stats_s: float = 5.0,
        max_clients: int = 50,
        queue_size: int = 500,
        batch: int = 500,
    ) -> None:
        self.repo = repo
        self.poll_s = poll_s
        self.stats_s = stats_s
        self.max_clients = max_clients
        self.queue_size = queue_size
        self.batch = batch
        self._subs: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._cursor: int | None = None

    @property
    def clients(self) -> int:
        """Number of listening clients."""
        return len(self._subs)

    def subscribe(self) -> Subscription:
        """A new client; :class:`TooManyClients` if full. Starts the poller if needed."""
        if len(self._subs) >= self.max_clients:
            raise TooManyClients
        sub = Subscription(asyncio.Queue(self.queue_size))
        self._subs.add(sub)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget a client; the poller stops with the last one."""
        sub.closed = True
        self._subs.discard(sub)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_stats = loop.time()
        if self._cursor is None:
            self._cursor = await self.repo.max_event_id()
        while self._subs:
            try:
                items, more = await query_events(
                    self.repo, EventFilter(), after=self._cursor, limit=self.batch
                )
                for item in items:
                    payload = item.model_dump(mode="json")
                    for sub in list(self._subs):
                        sub.offer("event", payload)
                if items:
                    self._cursor = items[-1].id
                if loop.time() >= next_stats:
                    stats = await counters(self.repo)
                    for sub in list(self._subs):
                        sub.offer("stats", stats)
                    next_stats = loop.time() + self.stats_s
            except Exception as error:  # the database is down: keep clients, try again
                log.warning("live stream poll failed (%s)", type(error).__name__)
                more = None
            if more is None:
                await asyncio.sleep(self.poll_s)

    async def close(self) -> None:
        """Stop the poller and drop every client."""
        for sub in list(self._subs):
            self.unsubscribe(sub)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
