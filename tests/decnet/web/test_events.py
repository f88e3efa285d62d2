"""``GET /api/v1/events``: filters and cursor pagination over 250 stored events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from decnet.events.model import Event, new_eid
from tests.decnet.web.conftest import Running

BASE = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DECKIES = ("decky-01", "decky-02", "decky-03")
SERVICES = ("ssh", "http", "ftp", "smb", "redis")
TYPES = ("connect", "auth", "disconnect", "command")
IPS = ("198.51.100.1", "198.51.100.2", "203.0.113.50", "2001:db8::1")
HOSTILE = '<script>alert("x")</script>\u202e\x00"]'


def make_events() -> list[Event]:
    """250 events one minute apart, cycling through deckies, services, types and sources."""
    return [
        Event(
            eid=new_eid(),
            timestamp=BASE + timedelta(minutes=i),
            decky=DECKIES[i % 3],
            service=SERVICES[i % 5],
            event_type=TYPES[i % 4],
            src_ip=IPS[i % 4],
            src_port=40000 + i,
            sid=f"s{i // 10}",
            fields={"username": HOSTILE, "n": str(i)} if i % 50 == 0 else {"n": str(i)},
            message=f"event {i}",
        )
        for i in range(250)
    ]


@pytest.fixture
async def stored(web: Running) -> Running:
    result = await web.repo.add_events(make_events())
    assert result.inserted == 250
    return web


async def get(web: Running, **params: Any) -> Any:
    response = await web.client.get("/api/v1/events", headers=web.viewer, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def read_all(web: Running, **params: Any) -> list[dict[str, Any]]:
    """Every page of a query, following ``next_after``."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await get(web, after=after, **params)
        items += page["items"]
        if page["next_after"] is None:
            return items
        assert page["next_after"] == page["items"][-1]["id"]
        after = page["next_after"]


async def test_pages_of_100_cover_every_event_once(stored: Running) -> None:
    first = await get(stored)
    assert len(first["items"]) == 100 and first["next_after"] == first["items"][-1]["id"]
    second = await get(stored, after=first["next_after"])
    third = await get(stored, after=second["next_after"])
    assert [len(p["items"]) for p in (second, third)] == [100, 50]
    assert third["next_after"] is None
    ids = [e["id"] for p in (first, second, third) for e in p["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 250
    assert [e["message"] for e in first["items"][:3]] == ["event 0", "event 1", "event 2"]


async def test_a_page_that_ends_exactly_at_the_last_event_has_no_next(stored: Running) -> None:
    page = await get(stored, limit=250)
    assert len(page["items"]) == 250 and page["next_after"] is None
    last = page["items"][-1]["id"]
    assert await get(stored, after=last) == {"items": [], "next_after": None, "next_before": None}
    page = await get(stored, after=page["items"][149]["id"], limit=100)
    assert len(page["items"]) == 100 and page["next_after"] is None


async def test_event_shape_and_hostile_text_as_data(stored: Running) -> None:
    response = await stored.client.get("/api/v1/events", headers=stored.viewer, params={"limit": 1})
    assert response.headers["content-type"] == "application/json"
    event = response.json()["items"][0]
    assert set(event) == {
        "id", "eid", "timestamp", "received_at", "decky", "service", "event_type",
        "src_ip", "src_port", "sid", "fields", "message", "facility", "severity",
    }  # fmt: skip
    assert event["fields"] == {"username": HOSTILE, "n": "0"}
    assert datetime.fromisoformat(event["timestamp"]) == BASE
    assert (event["decky"], event["service"], event["src_port"], event["severity"]) == (
        "decky-01",
        "ssh",
        40000,
        6,
    )
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"decky": "decky-02"}, lambda i: i % 3 == 1),
        ({"service": "ssh"}, lambda i: i % 5 == 0),
        ({"event_type": "auth"}, lambda i: i % 4 == 1),
        ({"src_ip": "2001:db8::1"}, lambda i: i % 4 == 3),
        ({"decky": "decky-01", "service": "http"}, lambda i: i % 3 == 0 and i % 5 == 1),
        ({"since": "2024-05-01T14:00:00Z"}, lambda i: i >= 120),
        ({"until": "2024-05-01T12:09:00+00:00"}, lambda i: i <= 9),
        ({"since": "2024-05-01T15:00:00+02:00", "until": "2024-05-01T13:10:00"}, lambda i: 60 <= i <= 70),
        ({"since": "2024-05-01T12:30:00.000001Z"}, lambda i: i >= 31),
        ({"decky": "decky-09"}, lambda i: False),
        ({"src_ip": "' OR 1=1 --"}, lambda i: False),
    ],
)
async def test_filters(stored: Running, params: dict[str, str], predicate: Any) -> None:
    items = await read_all(stored, limit=37, **params)
    assert [int(e["fields"]["n"]) for e in items] == [i for i in range(250) if predicate(i)]


async def test_filters_combine_with_the_cursor(stored: Running) -> None:
    page = await get(stored, service="ftp", limit=20)
    assert len(page["items"]) == 20 and page["next_after"] is not None
    rest = await get(stored, service="ftp", after=page["next_after"], limit=1000)
    assert len(rest["items"]) == 30 and rest["next_after"] is None
    assert {e["service"] for e in page["items"] + rest["items"]} == {"ftp"}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"after": -1},
        {"after": "abc"},
        {"since": "yesterday"},
        {"until": "2024-13-01T00:00:00Z"},
        {"decky": "x" * 256},
    ],
)
async def test_bad_parameters_are_422(stored: Running, params: dict[str, Any]) -> None:
    response = await stored.client.get("/api/v1/events", headers=stored.viewer, params=params)
    assert response.status_code == 422


async def test_limit_bounds(stored: Running) -> None:
    assert len((await get(stored, limit=1))["items"]) == 1
    assert len((await get(stored, limit=1000))["items"]) == 250
