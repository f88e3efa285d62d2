"""Read-only queries of the dashboard pages (SQLAlchemy Core on the repository's tables).

Tables and columns added by the intelligence layer (transcripts, behaviour class, traversal
hops, techniques, attacker credentials) are looked up by name in the metadata, so the pages
show them when the schema has them and stay usable without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, desc, distinct, func, select

from decnet.db.models import (
    attacker_table,
    credential_table,
    event_table,
    fingerprint_table,
    metadata,
    session_table,
)
from decnet.db.repository import SQLModelRepository
from decnet.web.queries import counters

#: Sort keys of the attackers page and their columns.
ATTACKER_SORTS = ("score", "last_seen", "first_seen", "event_count", "behaviour", "ip")


def _table(name: str) -> Table | None:
    return metadata.tables.get(name)


def _row(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


@dataclass
class Overview:
    """Everything the overview page shows."""

    counters: dict[str, int]
    histogram: list[tuple[str, int]]
    top_services: list[tuple[str, int]]
    top_attackers: list[dict[str, Any]]
    credentials: list[dict[str, Any]]
    since: datetime = field(default_factory=lambda: datetime.now(UTC))


async def event_histogram(
    repo: SQLModelRepository, *, hours: int = 24, now: datetime | None = None
) -> list[tuple[str, int]]:
    """Events per hour over the last ``hours`` hours, oldest first, labelled ``HH:00`` (UTC)."""
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    t = event_table
    out: list[tuple[str, int]] = []
    async with repo.transaction() as conn:
        for i in range(hours, 0, -1):
            start = end - timedelta(hours=i)
            stmt = select(func.count()).where(
                t.c.timestamp >= start, t.c.timestamp < start + timedelta(hours=1)
            )
            out.append((start.strftime("%H:00"), int((await conn.execute(stmt)).scalar_one())))
    return out


async def top_services(repo: SQLModelRepository, *, since: datetime, limit: int = 8) -> list[tuple[str, int]]:
    """Services with the most events since ``since``."""
    t = event_table
    n = func.count().label("n")
    stmt = (
        select(t.c.service, n)
        .where(t.c.timestamp >= since)
        .group_by(t.c.service)
        .order_by(desc(n))
        .limit(limit)
    )
    async with repo.transaction() as conn:
        return [(r.service, int(r.n)) for r in await conn.execute(stmt)]


async def list_attackers(
    repo: SQLModelRepository, *, sort: str = "score", descending: bool = True, limit: int = 200
) -> list[dict[str, Any]]:
    """Attackers ordered by ``sort`` (one of :data:`ATTACKER_SORTS`; unknown keys sort by score)."""
    t = attacker_table
    column = t.c.get(sort if sort in ATTACKER_SORTS else "score")
    if column is None:
        column = t.c.score
    order = column.desc() if descending else column.asc()
    stmt = select(t).order_by(order, t.c.id).limit(limit)
    async with repo.transaction() as conn:
        return [_row(r) for r in await conn.execute(stmt)]


async def newest_credentials(repo: SQLModelRepository, limit: int = 10) -> list[dict[str, Any]]:
    """The most recently seen credentials."""
    t = credential_table
    stmt = select(t).order_by(t.c.last_seen.desc()).limit(limit)
    async with repo.transaction() as conn:
        return [_row(r) for r in await conn.execute(stmt)]


async def overview(repo: SQLModelRepository) -> Overview:
    """Counters, the last day's event rate, top services and attackers, newest credentials."""
    now = datetime.now(UTC)
    return Overview(
        counters=await counters(repo),
        histogram=await event_histogram(repo, now=now),
        top_services=await top_services(repo, since=now - timedelta(days=1)),
        top_attackers=await list_attackers(repo, limit=8),
        credentials=await newest_credentials(repo, 10),
    )


async def credentials_with_reuse(repo: SQLModelRepository, limit: int = 300) -> list[dict[str, Any]]:
    """Distinct (principal, kind, secret) with attempts, how many deckies and services saw them, last use."""
    t = credential_table
    stmt = (
        select(
            t.c.principal,
            t.c.secret_kind,
            t.c.secret,
            func.sum(t.c.attempts).label("attempts"),
            func.count(distinct(t.c.decky)).label("deckies"),
            func.count(distinct(t.c.service)).label("services"),
            func.max(t.c.last_seen).label("last_seen"),
        )
        .group_by(t.c.principal, t.c.secret_kind, t.c.secret)
        .order_by(desc("last_seen"))
        .limit(limit)
    )
    async with repo.transaction() as conn:
        rows = [_row(r) for r in await conn.execute(stmt)]
    for row in rows:
        row["reused"] = row["deckies"] > 1 or row["services"] > 1
        if isinstance(row["last_seen"], str):  # SQLite returns max() of a timestamp as text
            row["last_seen"] = row["last_seen"][:19].replace("T", " ")
    return rows


@dataclass
class AttackerDetail:
    """Everything the attacker page shows."""

    attacker: dict[str, Any]
    timeline: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    credentials: list[dict[str, Any]]
    fingerprints: list[dict[str, Any]]
    techniques: list[dict[str, Any]]
    traversal: list[dict[str, Any]]


async def _by_ip(
    repo: SQLModelRepository,
    table: Table | None,
    column: str,
    ip: str,
    order: str,
    limit: int,
    *,
    newest: bool = True,
) -> list[dict[str, Any]]:
    if table is None or column not in table.c or order not in table.c:
        return []
    key = table.c[order]
    stmt = (
        select(table).where(table.c[column] == ip).order_by(key.desc() if newest else key.asc()).limit(limit)
    )
    async with repo.transaction() as conn:
        return [_row(r) for r in await conn.execute(stmt)]


async def _tried_credentials(repo: SQLModelRepository, ip: str, limit: int) -> list[dict[str, Any]]:
    link = _table("attacker_credential")
    if link is not None and "secret_digest" in credential_table.c:
        c = credential_table
        stmt = (
            select(
                c.c.principal,
                c.c.secret_kind,
                c.c.secret,
                c.c.service,
                c.c.decky,
                link.c.attempts,
                link.c.last_seen,
            )
            .join(link, link.c.credential_digest == c.c.secret_digest)
            .where(link.c.attacker_ip == ip)
            .order_by(link.c.last_seen.desc())
            .limit(limit)
        )
        async with repo.transaction() as conn:
            rows = [_row(r) for r in await conn.execute(stmt)]
        if rows:
            return rows
    e = event_table
    stmt2 = (
        select(e.c.fields, e.c.service, e.c.decky, e.c.timestamp)
        .where(e.c.src_ip == ip, e.c.event_type == "auth")
        .order_by(e.c.id.desc())
        .limit(limit)
    )
    async with repo.transaction() as conn:
        events = [_row(r) for r in await conn.execute(stmt2)]
    out = []
    for ev in events:
        fields = ev["fields"] if isinstance(ev["fields"], dict) else {}
        out.append(
            {
                "principal": fields.get("username", ""),
                "secret_kind": "password" if "password" in fields else fields.get("method", ""),
                "secret": fields.get("password", ""),
                "service": ev["service"],
                "decky": ev["decky"],
                "attempts": 1,
                "last_seen": ev["timestamp"],
            }
        )
    return out


async def attacker_detail(repo: SQLModelRepository, ip: str) -> AttackerDetail | None:
    """The attacker at ``ip`` with its events, sessions, credentials, fingerprints, techniques and path."""
    t = attacker_table
    async with repo.transaction() as conn:
        row = (await conn.execute(select(t).where(t.c.ip == ip))).first()
    if row is None:
        return None
    sessions = await _by_ip(repo, session_table, "src_ip", ip, "started_at", 50)
    traversal = await _by_ip(repo, _table("traversal_hop"), "attacker_ip", ip, "seq", 100, newest=False)
    if not traversal:
        traversal = [
            {"seq": i + 1, "decky": s["decky"], "service": s["service"], "at": s["started_at"]}
            for i, s in enumerate(sorted(sessions, key=lambda s: s["started_at"]))
        ]
    techniques = await _by_ip(repo, _table("attacker_technique"), "attacker_ip", ip, "id", 100, newest=False)
    if not techniques:
        profile = row._mapping.get("profile") or {}
        listed = profile.get("techniques") if isinstance(profile, dict) else None
        if isinstance(listed, list):
            techniques = [x if isinstance(x, dict) else {"technique": str(x)} for x in listed[:100]]
    return AttackerDetail(
        attacker=_row(row),
        timeline=await _by_ip(repo, event_table, "src_ip", ip, "id", 200),
        sessions=sessions,
        credentials=await _tried_credentials(repo, ip, 100),
        fingerprints=await _by_ip(repo, fingerprint_table, "src_ip", ip, "last_seen", 100),
        techniques=techniques,
        traversal=traversal,
    )
