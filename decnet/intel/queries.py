"""Read-side queries of the intel API: attackers (keyset pages), one attacker in full, sessions,
credentials with reuse, and overview statistics."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, distinct, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from decnet.db.models import (
    attacker_credential_table,
    attacker_table,
    attacker_technique_table,
    credential_table,
    event_table,
    profile_history_table,
    session_table,
    traversal_hop_table,
    worker_state_table,
)
from decnet.db.repository import SQLModelRepository
from decnet.intel.views import (
    AttackerCredentialOut,
    AttackerDetail,
    AttackerOut,
    AttackerPage,
    CountOut,
    CredentialOut,
    CredentialPage,
    HopOut,
    ProfileChangeOut,
    Reuse,
    SessionDetail,
    SessionOut,
    StatsOut,
    TechniqueOut,
    TimelineItem,
    TranscriptLine,
)

Sort = Literal["score", "last_seen"]

#: Most rows of each part of an attacker's detail.
DETAIL_LIMIT = 200
#: Rows of each "top" list in the statistics.
TOP = 10

#: Largest row id a database stores (signed 64-bit); larger keys match nothing.
MAX_ROW_ID = 2**63 - 1


class BadCursor(ValueError):
    """A page cursor that this API did not hand out."""


def technique_url(technique: str) -> str:
    """The technique's page on attack.mitre.org (sub-techniques as ``T1110/001``)."""
    return "https://attack.mitre.org/techniques/" + technique.replace(".", "/") + "/"


def encode_cursor(value: Any, id_: int) -> str:
    """An opaque page cursor of (sort value, id)."""
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, id_])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    """The (sort value, id) of a cursor; :class:`BadCursor` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, id_ = json.loads(raw)
        if not isinstance(id_, int) or isinstance(id_, bool) or not 0 <= id_ <= MAX_ROW_ID:
            raise BadCursor("bad cursor")
        if sort == "score":
            score = float(value)
            if not math.isfinite(score):
                raise BadCursor("bad cursor")
            return score, id_
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise BadCursor("bad cursor")
        return parsed, id_
    except (binascii.Error, ValueError, TypeError, json.JSONDecodeError) as error:
        raise BadCursor("bad cursor") from error


def attacker_out(row: Any) -> AttackerOut:
    """The list view of an attacker row."""
    m = row._mapping
    profile = m["profile"] or {}
    summary = m["summary"] or {}
    return AttackerOut(
        id=m["id"],
        ip=m["ip"],
        first_seen=m["first_seen"],
        last_seen=m["last_seen"],
        event_count=m["event_count"],
        session_count=m["session_count"],
        auth_attempts=m["auth_attempts"],
        score=m["score"],
        behaviour=m["behaviour"],
        phase=profile.get("phase"),
        techniques=[t["id"] for t in profile.get("techniques", [])],
        tools=[t["name"] for t in profile.get("tools", [])],
        deckies=list(summary.get("deckies", [])),
        lateral_movement=bool(summary.get("lateral_movement", False)),
    )


#: The attacker columns :func:`attacker_out` reads (a page reads only these).
_LIST_COLUMNS = tuple(
    attacker_table.c[name]
    for name in (
        "id",
        "ip",
        "first_seen",
        "last_seen",
        "event_count",
        "session_count",
        "auth_attempts",
        "score",
        "behaviour",
        "profile",
        "summary",
    )
)


def _filtered(
    behaviour: str | None, technique: str | None, decky: str | None, columns: tuple[Any, ...] = ()
) -> Select[Any]:
    a = attacker_table
    stmt = select(*columns) if columns else select(a)
    if behaviour is not None:
        stmt = stmt.where(a.c.behaviour == behaviour)
    if technique is not None:
        t = attacker_technique_table
        stmt = stmt.where(exists().where(t.c.attacker_ip == a.c.ip, t.c.technique == technique))
    if decky is not None:
        h = traversal_hop_table
        stmt = stmt.where(exists().where(h.c.attacker_ip == a.c.ip, h.c.decky == decky))
    return stmt


async def list_attackers(
    repo: SQLModelRepository,
    *,
    sort: Sort = "score",
    behaviour: str | None = None,
    technique: str | None = None,
    decky: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> AttackerPage:
    """Attackers matching every filter, by ``sort`` descending (ties by id), ``limit`` at a time."""
    a = attacker_table
    key = a.c.score if sort == "score" else a.c.last_seen
    stmt = (
        _filtered(behaviour, technique, decky, _LIST_COLUMNS)
        .order_by(key.desc(), a.c.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        value, id_ = decode_cursor(cursor, sort)
        stmt = stmt.where(or_(key < value, and_(key == value, a.c.id < id_)))
    rows = await repo.read(lambda conn: conn.execute(stmt).all())
    items = [attacker_out(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(last.score if sort == "score" else last.last_seen, last.id)
    return AttackerPage(items=items, next_cursor=next_cursor)


async def iter_attackers(
    repo: SQLModelRepository,
    *,
    behaviour: str | None = None,
    technique: str | None = None,
    decky: str | None = None,
    page: int = 500,
) -> AsyncIterator[Any]:
    """Every matching attacker row (score order), read ``page`` rows at a time."""
    cursor: str | None = None
    while True:
        a = attacker_table
        stmt = _filtered(behaviour, technique, decky).order_by(a.c.score.desc(), a.c.id.desc()).limit(page)
        if cursor:
            value, id_ = decode_cursor(cursor, "score")
            stmt = stmt.where(or_(a.c.score < value, and_(a.c.score == value, a.c.id < id_)))
        async with repo.transaction() as conn:
            rows = (await conn.execute(stmt)).all()
        for row in rows:
            yield row
        if len(rows) < page:
            return
        last = rows[-1]._mapping
        cursor = encode_cursor(last["score"], last["id"])


async def attacker_row(conn: AsyncConnection, key: str) -> Any | None:
    """An attacker row by numeric id or by address."""
    a = attacker_table
    if key.isdigit() and int(key) > MAX_ROW_ID:
        return None
    where = a.c.id == int(key) if key.isdigit() else a.c.ip == key
    return (await conn.execute(select(a).where(where))).first()


def session_out(row: Any) -> SessionOut:
    """The list view of a session row."""
    m = row._mapping
    summary = dict(m["summary"] or {})
    ended = m["ended_at"]
    return SessionOut(
        id=m["id"],
        sid=m["sid"],
        src_ip=m["src_ip"],
        src_port=m["src_port"],
        decky=m["decky"],
        service=m["service"],
        started_at=m["started_at"],
        ended_at=ended,
        duration_s=None if ended is None else round((ended - m["started_at"]).total_seconds(), 3),
        event_count=m["event_count"],
        auth_attempts=m["auth_attempts"],
        authenticated=m["authenticated"],
        username=m["username"],
        command_count=int(summary.get("commands", 0)),
        summary=summary,
    )


async def get_attacker(repo: SQLModelRepository, key: str) -> AttackerDetail | None:
    """One attacker in full (each part bounded to :data:`DETAIL_LIMIT` rows)."""
    async with repo.transaction() as conn:
        row = await attacker_row(conn, key)
        if row is None:
            return None
        ip = row._mapping["ip"]
        e, s, h, u, c = (
            event_table,
            session_table,
            traversal_hop_table,
            attacker_credential_table,
            credential_table,
        )
        events = await conn.execute(
            select(e.c.id, e.c.timestamp, e.c.decky, e.c.service, e.c.event_type, e.c.sid, e.c.fields)
            .where(e.c.src_ip == ip)
            .order_by(e.c.id.desc())
            .limit(DETAIL_LIMIT)
        )
        timeline = [TimelineItem.model_validate(dict(r._mapping)) for r in events]
        sessions = [
            session_out(r)
            for r in await conn.execute(
                select(s).where(s.c.src_ip == ip).order_by(s.c.started_at, s.c.id).limit(DETAIL_LIMIT)
            )
        ]
        creds = await conn.execute(
            select(
                c.c.principal,
                c.c.secret_kind,
                c.c.secret,
                c.c.service,
                c.c.decky,
                u.c.attempts,
                u.c.successes,
                u.c.first_seen,
                u.c.last_seen,
            )
            .select_from(u.join(c, c.c.digest == u.c.credential_digest))
            .where(u.c.attacker_ip == ip)
            .order_by(u.c.first_seen, u.c.id)
            .limit(DETAIL_LIMIT)
        )
        credentials = [AttackerCredentialOut.model_validate(dict(r._mapping)) for r in creds]
        hops = await conn.execute(
            select(h.c.seq, h.c.decky, h.c.service, h.c.at)
            .where(h.c.attacker_ip == ip)
            .order_by(h.c.seq)
            .limit(1000)
        )
        traversal = [HopOut.model_validate(dict(r._mapping)) for r in hops]
        p = profile_history_table
        history = [
            ProfileChangeOut.model_validate(dict(r._mapping))
            for r in await conn.execute(
                select(p.c.at, p.c.behaviour, p.c.score, p.c.phase, p.c.techniques, p.c.changes)
                .where(p.c.attacker_ip == ip)
                .order_by(p.c.id)
                .limit(DETAIL_LIMIT)
            )
        ]
    base = attacker_out(row)
    profile = row._mapping["profile"]
    techniques = [
        TechniqueOut(
            id=t["id"], name=t["name"], tactic=t["tactic"], evidence=t["evidence"], url=technique_url(t["id"])
        )
        for t in (profile or {}).get("techniques", [])
    ]
    return AttackerDetail(
        **base.model_dump(),
        profile=profile,
        reasons=list((profile or {}).get("reasons", [])),
        technique_details=techniques,
        timeline=timeline,
        sessions=sessions,
        credentials=credentials,
        traversal=traversal,
        history=history,
    )


async def get_session(repo: SQLModelRepository, session_id: int) -> SessionDetail | None:
    """One session with its transcript."""
    s, a = session_table, attacker_table
    async with repo.transaction() as conn:
        row = (await conn.execute(select(s).where(s.c.id == session_id))).first()
        if row is None:
            return None
        attacker_id = (await conn.execute(select(a.c.id).where(a.c.ip == row._mapping["src_ip"]))).scalar()
    base = session_out(row)
    transcript = [TranscriptLine.model_validate(line) for line in row._mapping["transcript"] or []]
    return SessionDetail(**base.model_dump(), transcript=transcript, attacker_id=attacker_id)


async def _reuse(conn: AsyncConnection, digests: set[str]) -> dict[str, Reuse]:
    if not digests:
        return {}
    c, u = credential_table, attacker_credential_table
    stmt = (
        select(
            c.c.secret_digest,
            func.count(distinct(c.c.decky)),
            func.count(distinct(c.c.service)),
        )
        .where(c.c.secret_digest.in_(sorted(digests)))
        .group_by(c.c.secret_digest)
    )
    places = {r[0]: (int(r[1]), int(r[2])) for r in await conn.execute(stmt)}
    who = (
        select(c.c.secret_digest, func.count(distinct(u.c.attacker_ip)))
        .select_from(c.join(u, u.c.credential_digest == c.c.digest))
        .where(c.c.secret_digest.in_(sorted(digests)))
        .group_by(c.c.secret_digest)
    )
    attackers = {r[0]: int(r[1]) for r in await conn.execute(who)}
    out: dict[str, Reuse] = {}
    for digest, (deckies, services) in places.items():
        out[digest] = Reuse(
            deckies=deckies,
            services=services,
            attackers=attackers.get(digest, 0),
            reused=deckies >= 2 or services >= 2,
        )
    return out


def _reused_secrets() -> Select[Any]:
    c = credential_table
    return (
        select(c.c.secret_digest)
        .where(c.c.secret_digest.is_not(None))
        .group_by(c.c.secret_digest)
        .having(or_(func.count(distinct(c.c.decky)) >= 2, func.count(distinct(c.c.service)) >= 2))
    )


async def list_credentials(
    repo: SQLModelRepository,
    *,
    service: str | None = None,
    decky: str | None = None,
    principal: str | None = None,
    reused: bool | None = None,
    after: int = 0,
    limit: int = 100,
) -> CredentialPage:
    """Credentials matching every filter in id order, with the reuse of each secret."""
    c = credential_table
    stmt = select(c).where(c.c.id > after).order_by(c.c.id).limit(limit + 1)
    if service is not None:
        stmt = stmt.where(c.c.service == service)
    if decky is not None:
        stmt = stmt.where(c.c.decky == decky)
    if principal is not None:
        stmt = stmt.where(c.c.principal == principal)
    if reused is not None:
        inner = _reused_secrets().subquery()
        member = c.c.secret_digest.in_(select(inner.c.secret_digest))
        stmt = stmt.where(member if reused else ~member)
    async with repo.transaction() as conn:
        rows = (await conn.execute(stmt)).all()
        reuse = await _reuse(
            conn, {r._mapping["secret_digest"] for r in rows[:limit] if r._mapping["secret_digest"]}
        )
    none = Reuse(deckies=1, services=1, attackers=0, reused=False)
    items = [
        CredentialOut(
            id=r._mapping["id"],
            principal=r._mapping["principal"],
            secret_kind=r._mapping["secret_kind"],
            secret=r._mapping["secret"],
            service=r._mapping["service"],
            decky=r._mapping["decky"],
            attempts=r._mapping["attempts"],
            first_seen=r._mapping["first_seen"],
            last_seen=r._mapping["last_seen"],
            reuse=reuse.get(r._mapping["secret_digest"], none),
        )
        for r in rows[:limit]
    ]
    return CredentialPage(items=items, next_after=items[-1].id if len(rows) > limit else None)


def _count(conn: Connection, stmt: Select[Any]) -> int:
    return int(conn.execute(stmt).scalar() or 0)


async def stats(repo: SQLModelRepository) -> StatsOut:
    """Totals, classes, top techniques/deckies/attackers and the workers' backlog."""
    return await repo.read(_stats)


def _stats(conn: Connection) -> StatsOut:
    a, t, h, w = attacker_table, attacker_technique_table, traversal_hop_table, worker_state_table
    events = _count(conn, select(func.count()).select_from(event_table))
    newest = _count(conn, select(func.max(event_table.c.id)))
    attackers = _count(conn, select(func.count()).select_from(a))
    sessions = _count(conn, select(func.count()).select_from(session_table))
    credentials = _count(conn, select(func.count()).select_from(credential_table))
    reused = _count(conn, select(func.count()).select_from(_reused_secrets().subquery()))
    profiled = _count(conn, select(func.count()).select_from(a).where(a.c.behaviour.is_not(None)))
    classes = conn.execute(
        select(a.c.behaviour, func.count()).where(a.c.behaviour.is_not(None)).group_by(a.c.behaviour)
    )
    by_behaviour = sorted(
        (CountOut(name=r[0], count=r[1]) for r in classes), key=lambda x: (-x.count, x.name)
    )
    techniques = conn.execute(
        select(t.c.technique, func.count())
        .group_by(t.c.technique)
        .order_by(func.count().desc(), t.c.technique)
        .limit(TOP)
    )
    top_techniques = [CountOut(name=r[0], count=r[1]) for r in techniques]
    per_decky = func.count(distinct(h.c.attacker_ip))
    deckies = conn.execute(
        select(h.c.decky, per_decky).group_by(h.c.decky).order_by(per_decky.desc(), h.c.decky).limit(TOP)
    )
    top_deckies = [CountOut(name=r[0], count=r[1]) for r in deckies]
    top = [
        attacker_out(r) for r in conn.execute(select(a).order_by(a.c.score.desc(), a.c.id.desc()).limit(TOP))
    ]
    cursors = {
        r[0]: int(r[1])
        for r in conn.execute(select(w.c.name, w.c.cursor).where(w.c.name.in_(["correlator", "profiler"])))
    }
    pending = _count(
        conn, select(func.count()).select_from(a).where(a.c.last_event_id > cursors.get("profiler", 0))
    )
    multi = select(h.c.attacker_ip).group_by(h.c.attacker_ip).having(func.count(distinct(h.c.decky)) >= 2)
    movers = _count(conn, select(func.count()).select_from(multi.subquery()))
    return StatsOut(
        events=events,
        attackers=attackers,
        sessions=sessions,
        credentials=credentials,
        secrets_reused=reused,
        profiled=profiled,
        lateral_movers=movers,
        by_behaviour=by_behaviour,
        top_techniques=top_techniques,
        top_deckies=top_deckies,
        top_attackers=top,
        correlator_lag=max(0, newest - cursors.get("correlator", 0)),
        profiler_pending=pending,
    )
