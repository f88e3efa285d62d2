"""The SQL of the correlator and profiler, over a connection of the repository's engine.

Reads load the rows a batch needs; writes are dialect upserts of whole rows, so running
the same batch again (after a crash before its commit) writes the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, func, insert, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from decnet.db.models import (
    attacker_credential_table,
    attacker_table,
    credential_table,
    session_table,
    traversal_hop_table,
)
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


def upsert(conn: AsyncConnection, table: Table, keys: Sequence[str], update: Sequence[str]) -> Insert:
    """``INSERT`` into ``table`` that replaces the ``update`` columns on a conflict on ``keys``."""
    if conn.dialect.name == "sqlite":
        stmt = sqlite_insert(table)
        return stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
    my = mysql_insert(table)
    return my.on_duplicate_key_update({c: my.inserted[c] for c in update})


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
    if sessions:
        await conn.execute(upsert(conn, session_table, ["skey"], _SESSION_UPDATE), sessions)
    attackers = [
        {**a.row(), "updated_at": now, "score": 0.0}
        for a in sorted(state.attackers.values(), key=lambda a: a.last_event_id)
        if a.dirty
    ]
    if attackers:
        await conn.execute(upsert(conn, attacker_table, ["ip"], _ATTACKER_UPDATE), attackers)
    credentials = [c.row() for c in state.credentials.values() if c.dirty]
    if credentials:
        await conn.execute(upsert(conn, credential_table, ["digest"], _CREDENTIAL_UPDATE), credentials)
    uses = [u.row() for u in state.uses.values() if u.dirty]
    if uses:
        await conn.execute(upsert(conn, attacker_credential_table, ["digest"], _USE_UPDATE), uses)
    if state.hops:
        await conn.execute(insert(traversal_hop_table), [h.row() for h in state.hops])
