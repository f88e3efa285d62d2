"""``GET /api/v1/stream`` through a real server: new events and stats arrive; logout ends it; bounded."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from decnet.events.model import Event, new_eid
from decnet.web.app import create_app
from decnet.web.session import SESSION_COOKIE
from tests.decnet.web.conftest import ADMIN_PASSWORD, make_settings
from tests.decnet.web.liveserver import LiveServer, live

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    app = create_app(make_settings(tmp_path), stream_max_clients=2)
    app.state.heartbeat_s = 0.5
    with live(app) as srv:
        yield srv


def token(server: LiveServer) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    value: str = response.json()["access_token"]
    return value


_LINES: dict[int, Iterator[str]] = {}


def read_until(
    response: httpx.Response, kind: str, timeout: float = 10
) -> tuple[dict[str, object], list[str]]:
    """Read SSE lines until an ``event: kind`` message; return its data and every line read."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    current = None
    lines = _LINES.setdefault(id(response), response.iter_lines())
    for line in lines:
        seen.append(line)
        if line.startswith("event: "):
            current = line[7:]
        elif line.startswith("data: ") and current == kind:
            data: dict[str, object] = json.loads(line[6:])
            return data, seen
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"no {kind!r} event: {seen[-10:]}")


def add_event(server: LiveServer, message: str) -> str:
    event = Event(
        eid=new_eid(),
        timestamp=datetime.now(UTC),
        decky="d1",
        service="ssh",
        event_type="auth",
        src_ip="192.0.2.5",
        fields={"username": "<img src=x onerror=alert(1)>"},
        message=message,
    )
    server.call(server.app.state.repo.add_events([event]))
    return event.eid


def test_new_events_stats_and_heartbeats(server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {token(server)}"}
    with httpx.stream("GET", f"{server.url}/api/v1/stream", headers=headers, timeout=15) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stats, _ = read_until(response, "stats")
        assert stats["events"] == 0 and set(stats) >= {"events", "attackers", "deckies"}
        eid = add_event(server, "Failed password for root")
        event, seen = read_until(response, "event")
        assert event["eid"] == eid and event["fields"] == {"username": "<img src=x onerror=alert(1)>"}
        _, seen = read_until(response, "stats")
        assert ": heartbeat" in seen


def test_the_session_cookie_works_and_logout_ends_the_stream(server: LiveServer) -> None:
    jwt = token(server)
    cookies = {SESSION_COOKIE: jwt}
    with (
        httpx.Client(cookies=cookies, timeout=15) as client,
        client.stream("GET", f"{server.url}/api/v1/stream") as response,
    ):
        assert response.status_code == 200
        read_until(response, "stats")
        logout = httpx.post(f"{server.url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {jwt}"})
        assert logout.status_code == 204
        end, _ = read_until(response, "end", timeout=5)
        assert end == {"reason": "session ended"}


def test_too_many_clients(server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {token(server)}"}
    with (
        httpx.stream("GET", f"{server.url}/api/v1/stream", headers=headers, timeout=15) as one,
        httpx.stream("GET", f"{server.url}/api/v1/stream", headers=headers, timeout=15) as two,
    ):
        read_until(one, "stats")
        read_until(two, "stats")
        third = httpx.get(f"{server.url}/api/v1/stream", headers=headers, timeout=5)
        assert third.status_code == 503 and third.json() == {"detail": "too many stream clients"}
    deadline = time.monotonic() + 5
    while server.app.state.hub.clients and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.app.state.hub.clients == 0  # disconnected clients are forgotten
