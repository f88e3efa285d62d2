"""Each attacker's newest events as the profiler last read them, so a step reads only newer ones.

Events are immutable and get their ids in commit order (the repositories serialise event
inserts), so the newest ``limit`` events of a source up to id ``n`` are those cached up to
an older id ``m`` plus the ones in ``(m, n]``. A step then costs a few new rows per attacker
instead of up to :data:`~decnet.intel.features.PROFILE_EVENTS`. The cache is bounded in
events (least recently read sources go first) and checks its newest cached event is still
stored, so an emptied or replaced database falls back to a full read.
"""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from decnet.db.repository import StoredEvent
from decnet.intel.store import read_source_events

#: Events kept in memory by default, over all sources (about 1 KiB each).
DEFAULT_MAX_EVENTS = 100_000


class SourceEventCache:
    """Newest events per source address, refreshed incrementally (see the module docstring)."""

    def __init__(self, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        self.max_events = max_events
        self._by_ip: OrderedDict[str, tuple[int, int, list[StoredEvent]]] = OrderedDict()
        self._size = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        """Events held."""
        return self._size

    async def newest(self, conn: AsyncConnection, src_ip: str, up_to: int, limit: int) -> list[StoredEvent]:
        """What :func:`~decnet.intel.store.read_source_events` returns for the same arguments."""
        cached = self._by_ip.pop(src_ip, None)
        if cached is not None:
            self._size -= len(cached[2])
        events = await self._refresh(conn, src_ip, up_to, limit, cached)
        if len(events) <= self.max_events:
            self._by_ip[src_ip] = (up_to, limit, events)
            self._size += len(events)
            while self._size > self.max_events:
                _, (_, _, dropped) = self._by_ip.popitem(last=False)
                self._size -= len(dropped)
        return events

    async def _refresh(
        self,
        conn: AsyncConnection,
        src_ip: str,
        up_to: int,
        limit: int,
        cached: tuple[int, int, list[StoredEvent]] | None,
    ) -> list[StoredEvent]:
        if cached is not None and cached[2] and cached[0] <= up_to:
            seen_limit, old = cached[1], cached[2]
        else:
            seen_limit, old = 0, []
        # Usable if nothing older than the cached events can be needed: as many were asked for
        # then as now, or the cache holds all of the source's events up to its id.
        if old and (limit <= seen_limit or len(old) < seen_limit):
            anchor = old[-1]
            # From the newest cached event on (inclusive), to check it is still the one stored; more
            # than ``limit`` newer events leave it out, and a full read gives the same answer.
            fresh = await read_source_events(conn, src_ip, up_to, limit + 1, after=anchor.id - 1)
            if fresh and fresh[0].id == anchor.id and fresh[0].event.eid == anchor.event.eid:
                self.hits += 1
                return (old + fresh[1:])[-limit:]
        self.misses += 1
        return await read_source_events(conn, src_ip, up_to, limit)
