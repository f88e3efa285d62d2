"""``/api/v1/stream``: server-sent events of new events and counters, for the dashboard.

Authenticated like every route (bearer token, or the dashboard's session cookie since
``EventSource`` cannot set headers). The stream ends when the token expires, is revoked
(logout) or stops matching its account; it sends a comment line as heartbeat every
``HEARTBEAT_S`` seconds so proxies and clients notice a dead connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import StreamingResponse

from decnet.web.api.deps import AUTH_RESPONSES, Principal, ViewerDep, authenticate
from decnet.web.auth import AuthService
from decnet.web.deps import RepoDep
from decnet.web.schemas import ErrorOut
from decnet.web.stream import EventHub, TooManyClients

log = logging.getLogger("decnet.web")

router = APIRouter(tags=["stream"])

#: Seconds between heartbeats (and between re-checks of the token).
HEARTBEAT_S = 15.0


def sse(kind: str, payload: Any) -> str:
    """One server-sent event (the JSON has no raw newlines, so one ``data:`` line suffices)."""
    return f"event: {kind}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


async def _still_valid(request: Request, principal: Principal, token: str) -> bool:
    auth: AuthService | None = getattr(request.app.state, "auth", None)
    repo = getattr(request.app.state, "repo", None)
    if auth is None or repo is None or time.time() >= principal.claims.exp:
        return False
    try:
        again = await authenticate(repo, auth, token)
    except HTTPException:
        return False
    return not again.user.must_change_password


async def _events(
    request: Request, hub: EventHub, principal: Principal, token: str, heartbeat_s: float
) -> AsyncIterator[str]:
    try:
        sub = hub.subscribe()
    except TooManyClients:  # others took the last places since the route checked
        yield sse("end", {"reason": "too many stream clients"})
        return
    try:
        yield "retry: 5000\n\n"
        next_check = time.monotonic() + heartbeat_s
        while True:
            timeout = max(0.0, min(next_check - time.monotonic(), principal.claims.exp - time.time()))
            try:
                kind, payload = await asyncio.wait_for(sub.queue.get(), timeout)
            except TimeoutError:
                if not await _still_valid(request, principal, token):
                    yield sse("end", {"reason": "session ended"})
                    return
                next_check = time.monotonic() + heartbeat_s
                dropped, sub.dropped = sub.dropped, 0
                if dropped:
                    yield sse("dropped", {"count": dropped})
                yield ": heartbeat\n\n"
                continue
            yield sse(kind, payload)
    finally:
        hub.unsubscribe(sub)


@router.get(
    "/stream",
    summary="Live events and counters (server-sent events)",
    response_class=StreamingResponse,
    responses={
        **AUTH_RESPONSES,
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "SSE stream."},
        503: {"model": ErrorOut, "description": "Too many clients are listening."},
    },
)
async def stream(request: Request, principal: ViewerDep, _repo: RepoDep) -> StreamingResponse:
    """``event: event`` with each new event (the JSON of ``GET /api/v1/events`` items),
    ``event: stats`` with counters every few seconds, ``event: dropped`` when this client was
    too slow, ``event: end`` before the server closes (token expired, revoked or changed)."""
    hub: EventHub | None = getattr(request.app.state, "hub", None)
    if hub is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="stream not ready")
    auth_header = request.headers.get("authorization", "")
    token = auth_header.split(" ", 1)[1] if " " in auth_header else request.cookies.get("decnet_session", "")
    if hub.clients >= hub.max_clients:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="too many stream clients")
    heartbeat_s = float(getattr(request.app.state, "heartbeat_s", HEARTBEAT_S))
    return StreamingResponse(
        _events(request, hub, principal, token, heartbeat_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
