"""The SQL of the correlator and profiler, over a connection of the repository's engine.

Reads load the rows a batch needs; writes are dialect upserts of whole rows, so running
the same batch again (after a crash before its commit) writes the same values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from decnet.db.models import (
    attacker_credential_table,
    attacker_table,
    credential_table,
    session_table,
    traversal_hop_table,
)
from decnet.db.repository import StoredEvent
from decnet.db.types import db_time_text
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


#: :func:`decnet.db.types.json_dumps` without building an encoder per call.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _time(value: datetime) -> str:
    """:func:`db_time_text` with a fast path for the UTC datetimes the correlator holds."""
    if value.tzinfo is UTC:
        return value.isoformat(" ", "microseconds")[:26]
    return db_time_text(value)


_SQL_CACHE: dict[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], str] = {}


def _upsert_sql(
    conn: AsyncConnection, table: Table, keys: Sequence[str], update: Sequence[str], columns: Sequence[str]
) -> str:
    dialect = conn.dialect.name
    cache_key = (dialect, table.name, tuple(keys), tuple(update), tuple(columns))
    sql = _SQL_CACHE.get(cache_key)
    if sql is not None:
        return sql
    quote = conn.dialect.identifier_preparer.quote
    sqlite = dialect == "sqlite"
    mark = "?" if sqlite else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (own identifiers)
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    if keys and sqlite:
        sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
        sql += f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {sets}"
    elif keys:
        sql += " ON DUPLICATE KEY UPDATE " + ", ".join(f"{quote(c)} = VALUES({quote(c)})" for c in update)
    _SQL_CACHE[cache_key] = sql
    return sql


async def upsert_values(
    conn: AsyncConnection,
    table: Table,
    keys: Sequence[str],
    update: Sequence[str],
    columns: Sequence[str],
    values: list[tuple[Any, ...]],
) -> None:
    """Insert driver-ready ``values`` (tuples in ``columns`` order) into ``table`` as one executemany.

    Rows that conflict on ``keys`` get their ``update`` columns replaced; no ``keys``: a plain insert.
    """
    if values:
        await conn.exec_driver_sql(_upsert_sql(conn, table, keys, update, columns), values)


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


def _text_time(text: str) -> datetime:
    """Stored time text as an aware UTC datetime (naive text is UTC, as SQLite stores it).

    Parsing the text with an explicit offset is several times faster than ``replace(tzinfo=...)``.
    """
    try:
        return datetime.fromisoformat(text + "+00:00")
    except ValueError:  # the text carries its own offset
        value = datetime.fromisoformat(text)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored(row: Any) -> StoredEvent:
    id_, eid, ts, decky, service, event_type, src_ip, src_port, sid, fields = row
    if isinstance(ts, str):
        stamp = _text_time(ts)
    else:
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


async def read_source_events(
    conn: AsyncConnection, src_ip: str, up_to: int, limit: int, *, after: int = 0
) -> list[StoredEvent]:
    """The newest ``limit`` events of ``src_ip`` with ``after < id <= up_to``, oldest first."""
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (
        f"SELECT {', '.join(quote(c) for c in _EVENT_COLUMNS)} FROM {quote('event')} "  # noqa: S608 (own identifiers)
        f"WHERE {quote('src_ip')} = {mark} AND {quote('id')} <= {mark} AND {quote('id')} > {mark} "
        f"ORDER BY {quote('id')} DESC LIMIT {mark}"
    )
    rows = [_stored(row) for row in await conn.exec_driver_sql(sql, (src_ip, up_to, after, limit))]
    rows.reverse()
    return rows


def _db_time(value: Any) -> datetime:
    """A stored time as read through the driver, as the aware UTC datetime UTCDateTime gives."""
    if isinstance(value, str):
        return _text_time(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


async def _rows_in(
    conn: AsyncConnection, table: Table, columns: Sequence[str], key: str, values: Iterable[str]
) -> list[Any]:
    """Driver rows of ``columns`` of ``table`` whose ``key`` is one of ``values`` (chunked ``IN`` lists).

    Plain driver SQL and no per-value type processing: these loads run for every batch.
    """
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    select_list = ", ".join(quote(c) for c in columns)
    rows: list[Any] = []
    for part in chunks(values):
        sql = (
            f"SELECT {select_list} FROM {quote(table.name)} "  # noqa: S608 (own identifiers)
            f"WHERE {quote(key)} IN ({', '.join([mark] * len(part))})"
        )
        rows.extend(await conn.exec_driver_sql(sql, tuple(part)))
    return rows


def _session_of(values: Sequence[Any]) -> SessionState:
    """A :class:`SessionState` from driver values in ``_SESSION_COLUMNS`` order."""
    (skey, sid, decky, service, src_ip, src_port, started, ended, last_id, events, auths, authed, user) = (
        values[:13]
    )
    started_at = _db_time(started)
    return SessionState(
        skey=skey,
        sid=sid,
        decky=decky,
        service=service,
        src_ip=src_ip,
        src_port=src_port,
        started_at=started_at,
        ended_at=_db_time(ended) if ended is not None else started_at,
        last_event_id=int(last_id or 0),
        event_count=events,
        auth_attempts=auths,
        authenticated=bool(authed),
        username=user,
        summary=dict(_json(values[13]) or {}),
        transcript=list(_json(values[14]) or []),
    )


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


_ATTACKER_LOAD = (
    "ip",
    "first_seen",
    "last_seen",
    "last_event_id",
    "event_count",
    "session_count",
    "auth_attempts",
    "summary",
)


async def load_batch_state(conn: AsyncConnection, needs: Needs) -> BatchState:
    """The rows ``needs`` names, as a fresh :class:`BatchState`."""
    state = BatchState()
    s = session_table
    for ip, first, last, last_id, events, sessions, auths, summary in await _rows_in(
        conn, attacker_table, _ATTACKER_LOAD, "ip", needs.ips
    ):
        state.attackers[ip] = AttackerState(
            ip=ip,
            first_seen=_db_time(first),
            last_seen=_db_time(last),
            last_event_id=int(last_id or 0),
            event_count=int(events),
            session_count=int(sessions),
            auth_attempts=int(auths),
            summary=dict(_json(summary) or {}),
        )
    for row in await _rows_in(conn, session_table, _SESSION_COLUMNS, "skey", needs.sid_keys):
        session = _session_of(row)
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
    for key, principal, kind, secret, service, decky, secret_digest, attempts, first, last in await _rows_in(
        conn, credential_table, _CREDENTIAL_COLUMNS, "digest", needs.credentials
    ):
        state.credentials[key] = CredentialState(
            digest=key,
            principal=principal,
            secret_kind=kind,
            secret=secret,
            service=service,
            decky=decky,
            secret_digest=secret_digest or "",
            first_seen=_db_time(first),
            last_seen=_db_time(last),
            attempts=int(attempts),
        )
    for key, ip, credential, attempts, successes, first, last in await _rows_in(
        conn, attacker_credential_table, _USE_COLUMNS, "digest", needs.uses
    ):
        state.uses[key] = AttackerCredentialState(
            digest=key,
            attacker_ip=ip,
            credential_digest=credential,
            first_seen=_db_time(first),
            last_seen=_db_time(last),
            attempts=int(attempts),
            successes=int(successes),
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


_SESSION_COLUMNS = (
    "skey",
    "sid",
    "decky",
    "service",
    "src_ip",
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
_ATTACKER_COLUMNS = (
    "ip",
    "first_seen",
    "last_seen",
    "last_event_id",
    "event_count",
    "session_count",
    "auth_attempts",
    "summary",
    "updated_at",
    "score",
)
_CREDENTIAL_COLUMNS = (
    "digest",
    "principal",
    "secret_kind",
    "secret",
    "service",
    "decky",
    "secret_digest",
    "attempts",
    "first_seen",
    "last_seen",
)
_USE_COLUMNS = (
    "digest",
    "attacker_ip",
    "credential_digest",
    "attempts",
    "successes",
    "first_seen",
    "last_seen",
)
_HOP_COLUMNS = ("attacker_ip", "seq", "decky", "service", "at", "event_id")


def _last_event_id(row: SessionState | AttackerState) -> int:
    return row.last_event_id


async def write_batch_state(conn: AsyncConnection, state: BatchState) -> None:
    """Write every changed row of ``state`` (inside the caller's transaction).

    Each row is bound straight to its driver form (text times, JSON text, 0/1 booleans, as
    decnet.db.types stores them): building parameters generically is most of a batch's write cost.
    """
    now = _time(datetime.now(UTC))

    sessions = [
        (
            s.skey,
            s.sid,
            s.decky,
            s.service,
            s.src_ip,
            s.src_port,
            _time(s.started_at),
            _time(s.ended_at),
            s.last_event_id,
            s.event_count,
            s.auth_attempts,
            int(s.authenticated),
            s.username,
            _dumps(s.summary),
            _dumps(s.transcript),
        )
        for s in sorted((s for s in state.sessions.values() if s.dirty), key=_last_event_id)
    ]
    await upsert_values(conn, session_table, ["skey"], _SESSION_UPDATE, _SESSION_COLUMNS, sessions)
    attackers = [
        (
            a.ip,
            _time(a.first_seen),
            _time(a.last_seen),
            a.last_event_id,
            a.event_count,
            a.session_count,
            a.auth_attempts,
            _dumps(a.summary),
            now,
            0.0,
        )
        for a in sorted(state.attackers.values(), key=_last_event_id)
        if a.dirty
    ]
    await upsert_values(conn, attacker_table, ["ip"], _ATTACKER_UPDATE, _ATTACKER_COLUMNS, attackers)
    credentials = [
        (
            c.digest,
            c.principal,
            c.secret_kind,
            c.secret,
            c.service,
            c.decky,
            c.secret_digest,
            c.attempts,
            _time(c.first_seen),
            _time(c.last_seen),
        )
        for c in state.credentials.values()
        if c.dirty
    ]
    await upsert_values(
        conn, credential_table, ["digest"], _CREDENTIAL_UPDATE, _CREDENTIAL_COLUMNS, credentials
    )
    uses = [
        (
            u.digest,
            u.attacker_ip,
            u.credential_digest,
            u.attempts,
            u.successes,
            _time(u.first_seen),
            _time(u.last_seen),
        )
        for u in state.uses.values()
        if u.dirty
    ]
    await upsert_values(conn, attacker_credential_table, ["digest"], _USE_UPDATE, _USE_COLUMNS, uses)
    hops = [(h.attacker_ip, h.seq, h.decky, h.service, _time(h.at), h.event_id) for h in state.hops]
    await upsert_values(conn, traversal_hop_table, [], [], _HOP_COLUMNS, hops)
