"""``/api/v1/fingerprints``: what the sniffer derived per source address, with cursor pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from decnet.db.models import fingerprint_table
from decnet.db.repository import SQLModelRepository
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.api.routes.events import MAX_ID
from decnet.web.deps import RepoDep

router = APIRouter(tags=["fingerprints"])

#: Largest page.
MAX_LIMIT = 1000
#: Kinds the sniffer records (see docs/sniffer.md).
KIND_HELP = "tcp_syn, os, scan_tool, ja3, ja4, tls_sni, tls_alpn, ssh_banner, hassh, http_headers"


class FingerprintOut(BaseModel):
    """One fingerprint seen from one source: how often and when (first and last)."""

    id: int
    src_ip: str
    kind: str
    value: str = Field(description="Attacker-influenced text: escape it before display.")
    count: int
    first_seen: datetime
    last_seen: datetime


class FingerprintPage(BaseModel):
    """One page of fingerprints in id order; pass ``next_after`` as ``after`` for the next (null: no more)."""

    items: list[FingerprintOut]
    next_after: int | None


async def query_fingerprints(
    repo: SQLModelRepository, *, src_ip: str | None, kind: str | None, after: int, limit: int
) -> tuple[list[FingerprintOut], int | None]:
    """Up to ``limit`` matching rows with ``id > after`` in id order, and the next cursor."""
    t = fingerprint_table
    conditions: list[Any] = [t.c.id > after]
    if src_ip is not None:
        conditions.append(t.c.src_ip == src_ip)
    if kind is not None:
        conditions.append(t.c.kind == kind)
    columns = (t.c.id, t.c.src_ip, t.c.kind, t.c.value, t.c["count"], t.c.first_seen, t.c.last_seen)
    stmt = select(*columns).where(*conditions).order_by(t.c.id).limit(limit + 1)
    async with repo.transaction() as conn:
        rows = (await conn.execute(stmt)).all()
    items = [FingerprintOut.model_validate(dict(row._mapping)) for row in rows[:limit]]
    return items, (items[-1].id if len(rows) > limit else None)


@router.get(
    "/fingerprints", summary="List fingerprints", response_model=FingerprintPage, responses=AUTH_RESPONSES
)
async def list_fingerprints(
    _: ViewerDep,
    repo: RepoDep,
    src_ip: Annotated[str | None, Query(max_length=45, description="Source address.")] = None,
    kind: Annotated[str | None, Query(max_length=32, description=KIND_HELP)] = None,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Cursor: only rows with a larger id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 100,
) -> FingerprintPage:
    """Fingerprints (TCP SYN, OS guess, scanner, JA3/JA4, SNI, ALPN, SSH banner, HASSH, HTTP header
    order) matching the filters, in id order, ``limit`` at a time; one row per (source, kind, value)."""
    items, next_after = await query_fingerprints(repo, src_ip=src_ip, kind=kind, after=after, limit=limit)
    return FingerprintPage(items=items, next_after=next_after)
