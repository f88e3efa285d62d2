"""The profiler's SQL: attackers changed after a cursor, what it reads of each, what it writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from decnet.db.models import (
    attacker_credential_table,
    attacker_table,
    attacker_technique_table,
    credential_table,
    event_table,
    fingerprint_table,
    profile_history_table,
)
from decnet.db.repository import SQLModelRepository
from decnet.intel.features import PROFILE_EVENTS, CredentialUse, ProfileInput

#: Most credential uses and fingerprints read per attacker.
MAX_CREDENTIAL_USES = 20_000
MAX_FINGERPRINTS = 200


async def changed_attackers(conn: AsyncConnection, after: int, limit: int) -> list[Any]:
    """Attacker rows whose newest correlated event is after ``after``, oldest change first."""
    t = attacker_table
    stmt = (
        select(t)
        .where(t.c.last_event_id.is_not(None), t.c.last_event_id > after)
        .order_by(t.c.last_event_id)
        .limit(limit)
    )
    return list(await conn.execute(stmt))


async def load_input(repo: SQLModelRepository, conn: AsyncConnection, row: Any) -> ProfileInput:
    """Everything the profiler reads for one attacker row (events up to its newest correlated one)."""
    m = row._mapping
    ip, last = m["ip"], int(m["last_event_id"])
    data = ProfileInput(
        ip=ip,
        last_event_id=last,
        event_count=int(m["event_count"]),
        session_count=int(m["session_count"]),
        auth_attempts=int(m["auth_attempts"]),
        summary=dict(m["summary"] or {}),
    )
    e = event_table
    stmt = (
        repo._select_events()
        .where(e.c.src_ip == ip, e.c.id <= last)
        .order_by(e.c.id.desc())
        .limit(PROFILE_EVENTS)
    )
    stored = [repo._stored_event(r) for r in await conn.execute(stmt)]
    data.events = [s.event for s in reversed(stored)]
    u, c = attacker_credential_table, credential_table
    uses = (
        select(c.c.principal, c.c.secret_digest, c.c.service, c.c.decky, u.c.attempts, u.c.successes)
        .select_from(u.join(c, c.c.digest == u.c.credential_digest))
        .where(u.c.attacker_ip == ip)
        .order_by(u.c.first_seen, u.c.digest)
        .limit(MAX_CREDENTIAL_USES)
    )
    data.credentials = [
        CredentialUse(
            r.principal, r.secret_digest or "", r.service, r.decky, int(r.attempts), int(r.successes)
        )
        for r in await conn.execute(uses)
    ]
    f = fingerprint_table
    prints = (
        select(f.c.kind, f.c.value)
        .where(f.c.src_ip == ip)
        .order_by(f.c.kind, f.c.value)
        .limit(MAX_FINGERPRINTS)
    )
    data.fingerprints = [(r.kind, r.value) for r in await conn.execute(prints)]
    return data


async def write_profile(
    conn: AsyncConnection, row: Any, profile: dict[str, Any], changes: Sequence[str]
) -> None:
    """Store the profile on the attacker, replace its techniques, and record the change if any."""
    ip = row._mapping["ip"]
    t = attacker_table
    await conn.execute(
        update(t)
        .where(t.c.ip == ip)
        .values(
            profile=profile,
            score=float(profile["score"]),
            behaviour=profile["behaviour"],
            updated_at=datetime.now(UTC),
        )
    )
    tt = attacker_technique_table
    await conn.execute(delete(tt).where(tt.c.attacker_ip == ip))
    if profile["techniques"]:
        await conn.execute(
            insert(tt),
            [
                {
                    "attacker_ip": ip,
                    "technique": x["id"],
                    "name": x["name"],
                    "tactic": x["tactic"],
                    "evidence": x["evidence"],
                }
                for x in profile["techniques"]
            ],
        )
    if changes:
        await conn.execute(
            insert(profile_history_table),
            [
                {
                    "attacker_ip": ip,
                    "event_id": profile["event_id"],
                    "at": row._mapping["last_seen"],
                    "behaviour": profile["behaviour"],
                    "score": float(profile["score"]),
                    "phase": profile["phase"],
                    "techniques": [x["id"] for x in profile["techniques"]],
                    "changes": list(changes),
                }
            ],
        )
