"""``/api/v1/health``: is the API up, can it reach the database (no authentication)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response, status

from decnet.web.schemas import HealthOut

log = logging.getLogger("decnet.web")

router = APIRouter(tags=["health"])

#: Longest the database ping may take before the database counts as down.
PING_TIMEOUT_S = 5.0


@router.get(
    "/health",
    summary="Liveness and database reachability",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database cannot be reached."}},
)
async def health(request: Request, response: Response) -> HealthOut:
    """``db`` is ``ok`` when a round trip to the database succeeds; 503 with ``down`` otherwise."""
    repo = getattr(request.app.state, "repo", None)
    try:
        if repo is None:
            raise RuntimeError("no repository yet")
        await asyncio.wait_for(repo.ping(), PING_TIMEOUT_S)
    except Exception as error:  # any failure means "down"; the reason goes to the log only
        log.warning("health check: database down (%s)", type(error).__name__)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthOut(db="down")
    return HealthOut(db="ok")
