"""``/api/v1/stats``: overview totals of the intel tables and the intel workers' backlog.

The answer is an aggregate over every event, so each process reuses it for ``stats_ttl_s`` (1 s
by default, see :func:`decnet.web.app.create_app`): the counters may lag by about that much.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from decnet.intel import queries
from decnet.intel.views import StatsOut
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.cache import Refreshing
from decnet.web.deps import RepoDep

router = APIRouter(tags=["attackers"])


@router.get("/stats", summary="Overview statistics", response_model=StatsOut, responses=AUTH_RESPONSES)
async def get_stats(_: ViewerDep, repo: RepoDep, request: Request) -> StatsOut:
    """Events, attackers, sessions, credentials, reused secrets, classes, top techniques, deckies and
    attackers, and how far the correlator and profiler lag behind (counters, up to about a second old)."""
    cache = getattr(request.app.state, "stats", None)
    if isinstance(cache, Refreshing):
        out: StatsOut = await cache.get()
        return out
    return await queries.stats(repo)
