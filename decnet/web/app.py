"""The FastAPI app factory: REST API under ``/api/v1`` (see docs/api.md).

``create_app`` builds an app that a plain ASGI server, a test client or the Ray Serve
deployment (``serve/``) runs alike. Start-up (the lifespan) connects the repository (unless one
was passed), loads the token signing key and creates the first admin account if there is none.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from decnet import __version__
from decnet.config.settings import Settings
from decnet.db import DatabaseUnavailable, connect_with_retry, get_repository
from decnet.db.repository import SQLModelRepository
from decnet.intel import queries as intel_queries
from decnet.web.api.main import API_PREFIX, api_router
from decnet.web.auth import (
    LoginRateLimiter,
    TokenRevocations,
    ensure_first_admin,
    new_auth_service,
)
from decnet.web.cache import Refreshing
from decnet.web.dashboard import mount_dashboard
from decnet.web.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware, security_headers
from decnet.web.operator import FleetOperator
from decnet.web.revocations import RepositoryRevocations
from decnet.web.security import load_or_create_secret
from decnet.web.stream import EventHub

log = logging.getLogger("decnet.web")

#: Default lifetime of API tokens.
DEFAULT_TOKEN_TTL_S = 3600

_DESCRIPTION = """\
DECNET's REST API. Log in with `POST /api/v1/auth/login`, then send the token as
`Authorization: Bearer <token>`. Roles: `viewer` (read) and `admin` (read and deploy).
Every text field that comes from an attacker is returned as JSON data, never as markup.
"""


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 listing the problems without echoing the submitted values (they may be passwords)."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"type": str(e.get("type", "")), "loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _integer_overflow(request: Request, exc: Exception) -> JSONResponse:
    """422 for an integer parameter beyond what the database stores (a route that did not bound it)."""
    log.warning("%s %s: integer parameter out of range", request.method, request.url.path)
    error = {"type": "int_out_of_range", "loc": ["request"], "msg": "an integer is out of range"}
    return JSONResponse({"detail": [error]}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": "database unavailable"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": "internal error"},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        headers=security_headers(request.url.path),
    )


def create_app(
    settings: Settings,
    repo: SQLModelRepository | None = None,
    *,
    workers_provider: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None,
    fleet_operator: FleetOperator | None = None,
    token_ttl_s: int = DEFAULT_TOKEN_TTL_S,
    login_max_failures: int = 5,
    login_window_s: float = 300.0,
    revocations: TokenRevocations | None = None,
    cors_origins: Sequence[str] = (),
    stream_max_clients: int = 50,
    stats_ttl_s: float = 1.0,
    freeze_gc: bool = False,
) -> FastAPI:
    """The DECNET web app.

    ``repo``: an initialized repository the caller owns; when None, start-up builds one with
    :func:`decnet.db.get_repository` (retrying while the database is down) and closes it at
    shutdown. ``workers_provider``: returns the workers table (``GET /api/v1/workers``); without
    it the heartbeat rows are shown. ``fleet_operator``: receives deployments
    (``POST /api/v1/deckies``; 503 without it). ``token_ttl_s``: token lifetime. Failed logins
    are limited to ``login_max_failures`` per ``login_window_s`` per address and per username.
    ``revocations``: where logouts are kept (default: the repository's ``revoked_token`` table,
    shared by replicas and kept across restarts). ``cors_origins``: origins allowed
    cross-origin (none by default: CORS off). ``stream_max_clients``: most listeners of
    ``GET /api/v1/stream`` at once. ``stats_ttl_s``: how long this process reuses the answer of
    ``GET /api/v1/stats`` (aggregates over every event; 0: compute each time). ``freeze_gc``: once
    started, move every object to the garbage collector's permanent generation (``gc.freeze``):
    full collections then scan only objects made by requests instead of the whole app (pauses of
    100 ms and more under load); for a process that runs this one app (Serve replica, server). The
    dashboard is served at ``/`` (docs/dashboard.md).
    """
    if token_ttl_s < 1:
        raise ValueError("token_ttl_s must be at least 1")
    limiter = LoginRateLimiter(login_max_failures, login_window_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = repo is None
        store = repo if repo is not None else get_repository(settings)
        try:
            if own:
                await connect_with_retry(store, settings.db_connect_retries, settings.db_retry_max_delay_s)
            if settings.jwt_secret is not None:
                key = settings.jwt_secret.get_secret_value().encode("utf-8")
            else:
                key = await asyncio.to_thread(load_or_create_secret, settings.data_dir)
            revoked = revocations if revocations is not None else RepositoryRevocations(store)
            app.state.auth = await new_auth_service(
                key, token_ttl_s=token_ttl_s, limiter=limiter, revocations=revoked
            )
            await ensure_first_admin(store, settings)
            app.state.hub = EventHub(store, max_clients=stream_max_clients)
            app.state.stats = Refreshing(lambda: intel_queries.stats(store), stats_ttl_s)
            app.state.repo = store
            if freeze_gc:
                gc.collect()
                gc.freeze()
            log.info("web app ready (database %s)", store.display_url)
            yield
        finally:
            hub = getattr(app.state, "hub", None)
            if hub is not None:
                await hub.close()
            app.state.hub = None
            app.state.stats = None
            app.state.repo = None
            app.state.auth = None
            if own:
                await store.close()

    app = FastAPI(
        title="DECNET",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.repo = None
    app.state.auth = None
    app.state.workers_provider = workers_provider
    app.state.fleet_operator = fleet_operator
    app.state.settings = settings
    app.state.hub = None
    app.state.stats = None
    app.include_router(api_router)
    mount_dashboard(app)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(OverflowError, _integer_overflow)
    app.add_exception_handler(Exception, _internal_error)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
