"""Everything the intel workers wrote, as plain comparable data (no row ids, no wall-clock times)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from decnet.db.models import (
    attacker_credential_table,
    attacker_table,
    attacker_technique_table,
    credential_table,
    event_table,
    profile_history_table,
    session_table,
    traversal_hop_table,
)
from decnet.db.repository import SQLModelRepository

_SKIP = {"id", "updated_at"}
#: Columns holding an event id: compared as the event's eid (ids differ between databases).
_EVENT_IDS = ("last_event_id", "event_id")


async def snapshot(repo: SQLModelRepository, *, profiles: bool = False) -> dict[str, Any]:
    """The intel tables, rows sorted by their natural keys."""
    tables = [
        (session_table, "skey"),
        (attacker_table, "ip"),
        (credential_table, "digest"),
        (attacker_credential_table, "digest"),
        (traversal_hop_table, ("attacker_ip", "seq")),
    ]
    if profiles:
        tables += [(attacker_technique_table, ("attacker_ip", "technique")), (profile_history_table, None)]
    out: dict[str, Any] = {}
    async with repo.engine.connect() as conn:
        eids = {row.id: row.eid for row in await conn.execute(select(event_table.c.id, event_table.c.eid))}
        for table, key in tables:
            rows = [
                {
                    k: (eids.get(v) if k in _EVENT_IDS else v)
                    for k, v in row._mapping.items()
                    if k not in _SKIP
                }
                for row in await conn.execute(select(table).order_by(table.c.id))
            ]
            for r in rows:
                if isinstance(r.get("profile"), dict) and "event_id" in r["profile"]:
                    r["profile"] = {**r["profile"], "event_id": eids.get(r["profile"]["event_id"])}
            if not profiles and table is attacker_table:
                rows = [
                    {k: v for k, v in r.items() if k not in {"score", "profile", "behaviour"}} for r in rows
                ]
            if isinstance(key, str):
                rows.sort(key=lambda r: r[key])
            elif key is not None:
                rows.sort(key=lambda r: tuple(r[k] for k in key))
            out[table.name] = rows
    return out
