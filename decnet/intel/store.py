"""The SQL of the correlator and profiler, over a connection of the repository's engine.

Reads load the rows a batch needs; writes are dialect upserts of whole rows, so running
the same batch again (after a crash before its commit) writes the same values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from decnet.db.models import (
    attacker_credential_table,
    attacker_table,
    credential_table,
    session_table,
    traversal_hop_table,
)
from decnet.db.repository import StoredEvent
from decnet.db.types import db_time_text, json_dumps
from decnet.events.model import Event
from decnet.intel.correlate import Needs
from decnet.intel.state import (
    AttackerCredentialState,
    AttackerState,
    BatchState,
    CredentialState,
    SessionState,
)

#: Largest ``IN (...)`` list sent at once.
CHUNK = 500


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size``, in sorted order (deterministic statements)."""
    ordered = sorted(items)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _bind(value: Any) -> Any:
    """A Python value as the driver takes it (the storage form of decnet.db.types)."""
    if isinstance(value, datetime):
        return db_time_text(value)
    if isinstance(value, dict | list):
        return json_dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


async def upsert_rows(
    conn: AsyncConnection,
    table: Table,
    keys: Sequence[str],
    update: Sequence[str],
    rows: list[dict[str, Any]],
) -> None:
    """Insert ``rows`` into ``table``, replacing the ``update`` columns of rows that conflict on ``keys``.

    Rendered once as driver SQL and run as one executemany: building SQLAlchemy parameters row
    by row is what limits a correlator's throughput.
    """
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = list(rows[0])
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (own identifiers)
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    if sqlite:
        sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
        sql += f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {sets}"
    else:
        sql += " ON DUPLICATE KEY UPDATE " + ", ".join(f"{quote(c)} = VALUES({quote(c)})" for c in update)
    await conn.exec_driver_sql(sql, [tuple(_bind(r[c]) for c in columns) for r in rows])


_EVENT_COLUMNS = (
    "id",
    "eid",
    "timestamp",
    "decky",
    "service",
    "event_type",
    "src_ip",
    "src_port",
    "sid",
    "fields",
)


def _stored(row: Any) -> StoredEvent:
    id_, eid, ts, decky, service, event_type, src_ip, src_port, sid, fields = row
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    stamp = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    event = Event(
        eid, stamp, decky, service, event_type, src_ip, src_port, sid, json.loads(fields) if fields else {}
    )
    return StoredEvent(int(id_), stamp, event)


async def read_events(conn: AsyncConnection, after: int, limit: int) -> list[StoredEvent]:
    """Up to ``limit`` events with ``id > after`` in id order, with only what the correlator reads.

    Leaner than the repository's ``events_after`` (no message, no received time, no per-value
    type processing), which matters at tens of thousands of events per second.
    """
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (
        f"SELECT {', '.join(quote(c) for c in _EVENT_COLUMNS)} FROM {quote('event')} "  # noqa: S608 (own identifiers)
        f"WHERE {quote('id')} > {mark} ORDER BY {quote('id')} LIMIT {mark}"
    )
    return [_stored(row) for row in await conn.exec_driver_sql(sql, (after, limit))]


async def read_source_events(conn: AsyncConnection, src_ip: str, up_to: int, limit: int) -> list[StoredEvent]:
    """The newest ``limit`` events of ``src_ip`` with ``id <= up_to``, oldest first."""
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (
        f"SELECT {', '.join(quote(c) for c in _EVENT_COLUMNS)} FROM {quote('event')} "  # noqa: S608 (own identifiers)
        f"WHERE {quote('src_ip')} = {mark} AND {quote('id')} <= {mark} "
        f"ORDER BY {quote('id')} DESC LIMIT {mark}"
    )
    rows = [_stored(row) for row in await conn.exec_driver_sql(sql, (src_ip, up_to, limit))]
    rows.reverse()
    return rows


def _session(row: Any) -> SessionState:
    m = row._mapping
    return SessionState(
        skey=m["skey"],
        sid=m["sid"],
        decky=m["decky"],
        service=m["service"],
        src_ip=m["src_ip"],
        src_port=m["src_port"],
        started_at=m["started_at"],
        ended_at=m["ended_at"] or m["started_at"],
        last_event_id=int(m["last_event_id"] or 0),
        event_count=m["event_count"],
        auth_attempts=m["auth_attempts"],
        authenticated=bool(m["authenticated"]),
        username=m["username"],
        summary=dict(m["summary"] or {}),
        transcript=list(m["transcript"] or []),
    )


async def load_batch_state(conn: AsyncConnection, needs: Needs) -> BatchState:
    """The rows ``needs`` names, as a fresh :class:`BatchState`."""
    state = BatchState()
    a, s, c, u = attacker_table, session_table, credential_table, attacker_credential_table
    for part in chunks(needs.ips):
        for row in await conn.execute(select(a).where(a.c.ip.in_(part))):
            m = row._mapping
            state.attackers[m["ip"]] = AttackerState(
                ip=m["ip"],
                first_seen=m["first_seen"],
                last_seen=m["last_seen"],
                last_event_id=int(m["last_event_id"] or 0),
                event_count=int(m["event_count"]),
                session_count=int(m["session_count"]),
                auth_attempts=int(m["auth_attempts"]),
                summary=dict(m["summary"] or {}),
            )
    for part in chunks(needs.sid_keys):
        for row in await conn.execute(select(s).where(s.c.skey.in_(part))):
            session = _session(row)
            state.sessions[session.skey] = session
    gap_ips = {ip for ip, _, _ in needs.gap_tuples}
    for part in chunks(gap_ips):
        latest = (
            select(s.c.src_ip, s.c.decky, s.c.service, func.max(s.c.last_event_id).label("newest"))
            .where(s.c.src_ip.in_(part), s.c.sid.is_(None), s.c.skey.is_not(None))
            .group_by(s.c.src_ip, s.c.decky, s.c.service)
            .subquery()
        )
        stmt = select(s).join(
            latest,
            and_(
                s.c.src_ip == latest.c.src_ip,
                s.c.decky == latest.c.decky,
                s.c.service == latest.c.service,
                s.c.last_event_id == latest.c.newest,
            ),
        )
        for row in await conn.execute(stmt.where(s.c.sid.is_(None))):
            session = _session(row)
            key = (session.src_ip, session.decky, session.service)
            if key in needs.gap_tuples:
                state.sessions[session.skey] = session
                state.open_gap[key] = session
    for part in chunks(needs.credentials):
        for row in await conn.execute(select(c).where(c.c.digest.in_(part))):
            m = row._mapping
            state.credentials[m["digest"]] = CredentialState(
                digest=m["digest"],
                principal=m["principal"],
                secret_kind=m["secret_kind"],
                secret=m["secret"],
                service=m["service"],
                decky=m["decky"],
                secret_digest=m["secret_digest"] or "",
                first_seen=m["first_seen"],
                last_seen=m["last_seen"],
                attempts=int(m["attempts"]),
            )
    for part in chunks(needs.uses):
        for row in await conn.execute(select(u).where(u.c.digest.in_(part))):
            m = row._mapping
            state.uses[m["digest"]] = AttackerCredentialState(
                digest=m["digest"],
                attacker_ip=m["attacker_ip"],
                credential_digest=m["credential_digest"],
                first_seen=m["first_seen"],
                last_seen=m["last_seen"],
                attempts=int(m["attempts"]),
                successes=int(m["successes"]),
            )
    return state


_SESSION_UPDATE = (
    "src_port",
    "started_at",
    "ended_at",
    "last_event_id",
    "event_count",
    "auth_attempts",
    "authenticated",
    "username",
    "summary",
    "transcript",
)
_ATTACKER_UPDATE = (
    "first_seen",
    "last_seen",
    "last_event_id",
    "event_count",
    "session_count",
    "auth_attempts",
    "summary",
    "updated_at",
)
_CREDENTIAL_UPDATE = ("attempts", "first_seen", "last_seen", "secret_digest")
_USE_UPDATE = ("attempts", "successes", "first_seen", "last_seen")


async def write_batch_state(conn: AsyncConnection, state: BatchState) -> None:
    """Write every changed row of ``state`` (inside the caller's transaction)."""
    now = datetime.now(UTC)
    sessions = sorted((s.row() for s in state.sessions.values() if s.dirty), key=lambda r: r["last_event_id"])
    await upsert_rows(conn, session_table, ["skey"], _SESSION_UPDATE, sessions)
    attackers = [
        {**a.row(), "updated_at": now, "score": 0.0}
        for a in sorted(state.attackers.values(), key=lambda a: a.last_event_id)
        if a.dirty
    ]
    await upsert_rows(conn, attacker_table, ["ip"], _ATTACKER_UPDATE, attackers)
    credentials = [c.row() for c in state.credentials.values() if c.dirty]
    await upsert_rows(conn, credential_table, ["digest"], _CREDENTIAL_UPDATE, credentials)
    uses = [u.row() for u in state.uses.values() if u.dirty]
    await upsert_rows(conn, attacker_credential_table, ["digest"], _USE_UPDATE, uses)
    if state.hops:
        await conn.execute(insert(traversal_hop_table), [h.row() for h in state.hops])
