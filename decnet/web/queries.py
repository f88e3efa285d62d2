"""Read-only queries of the API that the repository does not offer (SQLAlchemy Core on its tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, func, or_, select, type_coerce

from decnet.db.models import attacker_table, credential_table, decky_table, event_table, session_table
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
    #: Free text: a substring of the message, the fields (JSON text) or the source address.
    text: str | None = None


def _unindexed(column: Any) -> Any:
    """``column`` as an expression no index serves (``COALESCE(c, c)`` equals ``c`` for non-null columns)."""
    return func.coalesce(column, column)


def _conditions(where: EventFilter) -> list[Any]:
    t = event_table
    conditions: list[Any] = []
    # With a source address, its index (a few rows, already in id order) is the one to use: keep
    # the planner off the far larger decky and service/type indexes.
    other = _unindexed if where.src_ip is not None else (lambda column: column)
    if where.decky is not None:
        conditions.append(other(t.c.decky) == where.decky)
    if where.service is not None:
        conditions.append(other(t.c.service) == where.service)
    if where.event_type is not None:
        conditions.append(other(t.c.event_type) == where.event_type)
    if where.src_ip is not None:
        conditions.append(t.c.src_ip == where.src_ip)
    if where.since is not None:
        conditions.append(t.c.timestamp >= where.since)
    if where.until is not None:
        conditions.append(t.c.timestamp <= where.until)
    if where.text:
        conditions.append(
            or_(
                t.c.message.contains(where.text, autoescape=True),
                type_coerce(t.c.fields, Text).contains(where.text, autoescape=True),
                t.c.src_ip.contains(where.text, autoescape=True),
            )
        )
    return conditions


async def query_events(
    repo: SQLModelRepository, where: EventFilter, *, after: int, limit: int, before: int | None = None
) -> tuple[list[EventOut], int | None]:
    """Up to ``limit`` matching events and the cursor of the next page (None when no further one).

    Without ``before``: events with ``id > after`` in ascending id order (the cursor is the next
    ``after``). With ``before``: events with ``after < id < before``, newest first (the cursor is
    the next ``before``). One extra row is read to know whether another page exists.
    """
    t = event_table
    stmt = select(*_COLUMNS).where(t.c.id > after, *_conditions(where))
    if before is not None:
        stmt = stmt.where(t.c.id < before).order_by(t.c.id.desc())
    else:
        stmt = stmt.order_by(t.c.id)
    stmt = stmt.limit(limit + 1)
    rows = await repo.read(lambda conn: conn.execute(stmt).all())
    items = [EventOut.model_validate(row._mapping) for row in rows[:limit]]
    cursor = items[-1].id if len(rows) > limit else None
    return items, cursor


async def counters(repo: SQLModelRepository) -> dict[str, int]:
    """Row counts of the tables the overview shows: events, attackers, sessions, credentials, deckies."""
    tables = {
        "events": event_table,
        "attackers": attacker_table,
        "sessions": session_table,
        "credentials": credential_table,
        "deckies": decky_table,
    }
    out: dict[str, int] = {}
    async with repo.transaction() as conn:
        for name, table in tables.items():
            out[name] = int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
    return out
