"""Read-only queries of the API that the repository does not offer (SQLAlchemy Core on its tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from decnet.db.models import event_table
from decnet.db.repository import SQLModelRepository
from decnet.web.schemas import EventOut

_COLUMNS = (
    event_table.c.id,
    event_table.c.eid,
    event_table.c.timestamp,
    event_table.c.received_at,
    event_table.c.decky,
    event_table.c.service,
    event_table.c.event_type,
    event_table.c.src_ip,
    event_table.c.src_port,
    event_table.c.sid,
    event_table.c.fields,
    event_table.c.message,
    event_table.c.facility,
    event_table.c.severity,
)


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Conditions on events; None means any. ``since`` and ``until`` bound the event timestamp (inclusive)."""

    decky: str | None = None
    service: str | None = None
    event_type: str | None = None
    src_ip: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def query_events(
    repo: SQLModelRepository, where: EventFilter, *, after: int, limit: int
) -> tuple[list[EventOut], int | None]:
    """Up to ``limit`` matching events with ``id > after`` in id order, and the cursor of the next page.

    The cursor is None when no further matching event exists (one extra row is read to know).
    """
    t = event_table
    stmt = select(*_COLUMNS).where(t.c.id > after)
    conditions: list[Any] = []
    if where.decky is not None:
        conditions.append(t.c.decky == where.decky)
    if where.service is not None:
        conditions.append(t.c.service == where.service)
    if where.event_type is not None:
        conditions.append(t.c.event_type == where.event_type)
    if where.src_ip is not None:
        conditions.append(t.c.src_ip == where.src_ip)
    if where.since is not None:
        conditions.append(t.c.timestamp >= where.since)
    if where.until is not None:
        conditions.append(t.c.timestamp <= where.until)
    stmt = stmt.where(*conditions).order_by(t.c.id).limit(limit + 1)
    async with repo.transaction() as conn:
        rows = (await conn.execute(stmt)).all()
    items = [EventOut.model_validate(dict(row._mapping)) for row in rows[:limit]]
    next_after = items[-1].id if len(rows) > limit else None
    return items, next_after
