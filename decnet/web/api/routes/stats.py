"""``/api/v1/stats``: overview totals of the intel tables and the intel workers' backlog."""

from __future__ import annotations

from fastapi import APIRouter

from decnet.intel import queries
from decnet.intel.views import StatsOut
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.deps import RepoDep

router = APIRouter(tags=["attackers"])


@router.get("/stats", summary="Overview statistics", response_model=StatsOut, responses=AUTH_RESPONSES)
async def get_stats(_: ViewerDep, repo: RepoDep) -> StatsOut:
    """Events, attackers, sessions, credentials, reused secrets, classes, top techniques, deckies and
    attackers, and how far the correlator and profiler lag behind."""
    return await queries.stats(repo)
