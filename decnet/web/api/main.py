"""The ``/api/v1`` router: every route module mounted under one prefix."""

from __future__ import annotations

from fastapi import APIRouter

from decnet.web.api.routes import (
    attackers,
    auth,
    credentials,
    deckies,
    events,
    fingerprints,
    health,
    mutations,
    operations,
    realism,
    sessions,
    stats,
    stream,
    users,
    workers,
)

#: Prefix of every API route.
API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
api_router.include_router(health.router)
api_router.include_router(auth.router)
api_router.include_router(workers.router)
api_router.include_router(deckies.router)
api_router.include_router(events.router)
api_router.include_router(fingerprints.router)
api_router.include_router(users.router)
api_router.include_router(operations.router)
api_router.include_router(stream.router)
api_router.include_router(realism.router)
api_router.include_router(mutations.router)
api_router.include_router(attackers.router)
api_router.include_router(sessions.router)
api_router.include_router(credentials.router)
api_router.include_router(stats.router)
