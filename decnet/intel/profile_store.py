"""The profiler's SQL: attackers changed after a cursor, what it reads of them, what it writes.

Reads and writes are batched per step (one query per table for the whole batch, except each
attacker's newest events), so profiling costs a few round trips per batch, not per attacker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from decnet.db.models import (
    attacker_credential_table,
    attacker_table,
    attacker_technique_table,
    credential_table,
    fingerprint_table,
    profile_history_table,
)
from decnet.intel.features import PROFILE_EVENTS, CredentialUse, ProfileInput
from decnet.intel.source_events import SourceEventCache
from decnet.intel.store import chunks, read_source_events

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


async def load_inputs(
    conn: AsyncConnection, rows: Sequence[Any], cache: SourceEventCache | None = None
) -> list[ProfileInput]:
    """Everything the profiler reads for each attacker row (events up to its newest correlated one).

    With a ``cache``, each attacker's events are read incrementally (same result, fewer rows).
    """
    inputs: list[ProfileInput] = []
    for row in rows:
        m = row._mapping
        data = ProfileInput(
            ip=m["ip"],
            last_event_id=int(m["last_event_id"]),
            event_count=int(m["event_count"]),
            session_count=int(m["session_count"]),
            auth_attempts=int(m["auth_attempts"]),
            summary=dict(m["summary"] or {}),
        )
        if cache is None:
            stored = await read_source_events(conn, data.ip, data.last_event_id, PROFILE_EVENTS)
        else:
            stored = await cache.newest(conn, data.ip, data.last_event_id, PROFILE_EVENTS)
        data.events = [s.event for s in stored]
        inputs.append(data)
    by_ip = {d.ip: d for d in inputs}
    u, c, f = attacker_credential_table, credential_table, fingerprint_table
    for part in chunks(by_ip):
        uses = (
            select(
                u.c.attacker_ip,
                c.c.principal,
                c.c.secret_digest,
                c.c.service,
                c.c.decky,
                u.c.attempts,
                u.c.successes,
            )
            .select_from(u.join(c, c.c.digest == u.c.credential_digest))
            .where(u.c.attacker_ip.in_(part))
            .order_by(u.c.attacker_ip, u.c.first_seen, u.c.digest)
        )
        for r in await conn.execute(uses):
            target = by_ip[r.attacker_ip].credentials
            if len(target) < MAX_CREDENTIAL_USES:
                target.append(
                    CredentialUse(
                        r.principal,
                        r.secret_digest or "",
                        r.service,
                        r.decky,
                        int(r.attempts),
                        int(r.successes),
                    )
                )
        prints = (
            select(f.c.src_ip, f.c.kind, f.c.value)
            .where(f.c.src_ip.in_(part))
            .order_by(f.c.src_ip, f.c.kind, f.c.value)
        )
        for fp in await conn.execute(prints):
            fps = by_ip[fp.src_ip].fingerprints
            if len(fps) < MAX_FINGERPRINTS:
                fps.append((fp.kind, fp.value))
    return inputs


async def write_profiles(
    conn: AsyncConnection, results: Sequence[tuple[Any, dict[str, Any], list[str]]]
) -> None:
    """Store each (attacker row, profile, changes): the profile on the attacker, its techniques
    (replacing the previous set), and a history row when something changed."""
    if not results:
        return
    now = datetime.now(UTC)
    t = attacker_table
    await conn.execute(
        update(t)
        .where(t.c.ip == bindparam("b_ip"))
        .values(
            profile=bindparam("b_profile"),
            score=bindparam("b_score"),
            behaviour=bindparam("b_behaviour"),
            updated_at=bindparam("b_now"),
        ),
        [
            {
                "b_ip": row._mapping["ip"],
                "b_profile": p,
                "b_score": float(p["score"]),
                "b_behaviour": p["behaviour"],
                "b_now": now,
            }
            for row, p, _ in results
        ],
    )
    tt = attacker_technique_table
    ips = [row._mapping["ip"] for row, _, _ in results]
    for part in chunks(ips):
        await conn.execute(delete(tt).where(tt.c.attacker_ip.in_(part)))
    techniques = [
        {
            "attacker_ip": row._mapping["ip"],
            "technique": x["id"],
            "name": x["name"],
            "tactic": x["tactic"],
            "evidence": x["evidence"],
        }
        for row, p, _ in results
        for x in p["techniques"]
    ]
    if techniques:
        await conn.execute(insert(tt), techniques)
    history = [
        {
            "attacker_ip": row._mapping["ip"],
            "event_id": p["event_id"],
            "at": row._mapping["last_seen"],
            "behaviour": p["behaviour"],
            "score": float(p["score"]),
            "phase": p["phase"],
            "techniques": [x["id"] for x in p["techniques"]],
            "changes": list(changes),
        }
        for row, p, changes in results
        if changes
    ]
    if history:
        await conn.execute(insert(profile_history_table), history)
