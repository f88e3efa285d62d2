"""``/api/v1/workers``: the health table of DECNET's workers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from decnet.db.repository import SQLModelRepository
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.schemas import WorkerOut

log = logging.getLogger("decnet.web")

router = APIRouter(tags=["workers"])

#: Supplies the workers table (the Ray Serve wrapper merges Ray's actor state with heartbeats).
WorkersProvider = Callable[[], Awaitable[list[dict[str, Any]]]]


async def workers_from_repository(repo: SQLModelRepository) -> list[WorkerOut]:
    """Workers as their heartbeat rows tell (no cluster view: state unknown, restarts null)."""
    now = datetime.now(UTC)
    return [
        WorkerOut(
            name=row.name,
            state="unknown",
            node=row.node,
            restarts=None,
            last_heartbeat=row.heartbeat_at,
            lag=None if row.heartbeat_at is None else round((now - row.heartbeat_at).total_seconds(), 3),
            counters=dict(row.counters),
        )
        for row in await repo.list_worker_states()
    ]


@router.get(
    "/workers",
    summary="Workers and their health",
    response_model=list[WorkerOut],
    responses=AUTH_RESPONSES,
)
async def list_workers(_: ViewerDep, request: Request, repo: RepoDep) -> list[WorkerOut]:
    """One row per worker: cluster state, node, restarts, last heartbeat, lag and counters.

    When the cluster view fails, the heartbeat rows are answered instead (state ``unknown``).
    """
    provider: WorkersProvider | None = getattr(request.app.state, "workers_provider", None)
    if provider is not None:
        try:
            return [WorkerOut.model_validate(item) for item in await provider()]
        except Exception as error:  # degrade to the repository's view
            log.warning("workers provider failed (%s); answering heartbeat rows", type(error).__name__)
    return await workers_from_repository(repo)
