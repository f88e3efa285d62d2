"""Asynchronous fleet operations (deploy, teardown, mutate) and their status.

The API records an :class:`~decnet.db.models.Operation` before handing work to the fleet
operator. Its progress is derived from the actual states the fleet agents write back to the
``decky`` table, each time the status is read: no process has to stay alive to track it, and
every replica answers the same. An operation that has not finished after
:data:`OPERATION_TIMEOUT_S` is failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from decnet.db.models import Operation, decky_table, operation_table
from decnet.db.repository import SQLModelRepository

#: Kinds of operation.
KINDS: tuple[str, ...] = ("deploy", "teardown", "mutate")
#: States an operation never leaves.
FINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed"})
#: Longest an operation may run before it counts as failed.
OPERATION_TIMEOUT_S = 900.0
#: Most deckies named in one operation row (larger fleets are capped by the planner anyway).
MAX_OPERATION_DECKIES = 4096


def _now() -> datetime:
    return datetime.now(UTC)


async def create_operation(
    repo: SQLModelRepository, kind: str, deckies: Sequence[str], created_by: str
) -> Operation:
    """Record a new ``queued`` operation of ``kind`` on ``deckies``."""
    if kind not in KINDS:
        raise ValueError(f"unknown operation kind {kind!r}")
    now = _now()
    op = Operation(
        id=uuid.uuid4().hex,
        kind=kind,
        state="queued",
        progress=0.0,
        deckies=list(deckies)[:MAX_OPERATION_DECKIES],
        error=None,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        finished_at=None,
    )
    async with repo.transaction() as conn:
        await conn.execute(insert(operation_table).values(**op.model_dump()))
    return op


async def set_state(
    repo: SQLModelRepository,
    op_id: str,
    state: str,
    *,
    progress: float | None = None,
    error: str | None = None,
) -> None:
    """Move operation ``op_id`` to ``state`` (unless it already finished)."""
    now = _now()
    values: dict[str, object] = {"state": state, "updated_at": now}
    if progress is not None:
        values["progress"] = progress
    if error is not None:
        values["error"] = error[:2000]
    if state in FINAL_STATES:
        values["finished_at"] = now
    t = operation_table
    stmt = update(t).where(t.c.id == op_id, t.c.state.not_in(FINAL_STATES)).values(**values)
    async with repo.transaction() as conn:
        await conn.execute(stmt)


def assess(
    kind: str, deckies: Sequence[str], actual: dict[str, str], now: datetime, created_at: datetime
) -> tuple[str, float, str | None]:
    """State, progress (0..1) and error of an operation from the deckies' actual states.

    ``actual`` maps each decky still stored to its actual state (absent: no row).
    """
    failed = sorted(name for name in deckies if actual.get(name) == "failed")
    if kind == "teardown":
        done = sum(1 for name in deckies if name not in actual)
    else:
        done = sum(1 for name in deckies if actual.get(name) == "running")
    total = max(1, len(deckies))
    progress = round(min(1.0, done / total), 4)
    if failed:
        return "failed", progress, f"failed: {', '.join(failed[:20])}"
    if done >= len(deckies):
        return "succeeded", 1.0, None
    if (now - created_at).total_seconds() > OPERATION_TIMEOUT_S:
        return "failed", progress, "timed out"
    return "running", progress, None


async def get_operation(repo: SQLModelRepository, op_id: str) -> Operation | None:
    """Operation ``op_id`` with its progress brought up to date (None if unknown)."""
    t = operation_table
    async with repo.transaction() as conn:
        row = (await conn.execute(select(t).where(t.c.id == op_id))).first()
    if row is None:
        return None
    op = Operation(**row._mapping)
    if op.state in FINAL_STATES or op.state == "queued":
        return op
    d = decky_table
    names = list(op.deckies)
    async with repo.transaction() as conn:
        rows = (await conn.execute(select(d.c.name, d.c.actual_state).where(d.c.name.in_(names)))).all()
    state, progress, error = assess(
        op.kind, names, {r.name: r.actual_state for r in rows}, _now(), op.created_at
    )
    if (state, progress) != (op.state, op.progress):
        await set_state(repo, op.id, state, progress=progress, error=error)
        async with repo.transaction() as conn:
            row = (await conn.execute(select(t).where(t.c.id == op_id))).first()
        if row is not None:
            op = Operation(**row._mapping)
    return op


async def list_operations(repo: SQLModelRepository, limit: int = 50) -> list[Operation]:
    """The newest operations first (as stored; read one with :func:`get_operation` to refresh it)."""
    t = operation_table
    stmt = select(t).order_by(t.c.created_at.desc()).limit(limit)
    async with repo.transaction() as conn:
        return [Operation(**row._mapping) for row in await conn.execute(stmt)]
