"""Event search: free text, newest-first cursors, and the CSV export (formula-safe)."""

from __future__ import annotations

import csv
import io
from typing import Any

from decnet.events.model import Event, new_eid
from decnet.web.api.routes.events import csv_cell
from tests.decnet.web.conftest import Running
from tests.decnet.web.test_events import make_events, stored  # noqa: F401 (fixture)


async def get(web: Running, **params: Any) -> Any:
    response = await web.client.get("/api/v1/events", headers=web.viewer, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_free_text_matches_message_fields_and_address(stored: Running) -> None:  # noqa: F811
    assert [e["message"] for e in (await get(stored, q="event 249"))["items"]] == ["event 249"]
    hostile = (await get(stored, q="<script>"))["items"]
    assert len(hostile) == 5 and all("<script>" in e["fields"]["username"] for e in hostile)
    assert len((await get(stored, q="2001:db8", limit=1000))["items"]) == 62
    assert (await get(stored, q="%"))["items"] == []  # LIKE wildcards are literal
    both = (await get(stored, q="event 1", service="http", limit=1000))["items"]
    assert both and all(e["service"] == "http" and "event 1" in e["message"] for e in both)


async def test_newest_first_with_before(stored: Running) -> None:  # noqa: F811
    first = await get(stored, before=2**62, limit=100)
    ids = [e["id"] for e in first["items"]]
    assert ids == sorted(ids, reverse=True) and first["next_before"] == ids[-1]
    second = await get(stored, before=first["next_before"], limit=200)
    assert len(second["items"]) == 150 and second["next_before"] is None
    assert max(e["id"] for e in second["items"]) < min(ids)


def test_csv_cells_never_start_a_formula() -> None:
    assert csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [csv_cell(v) for v in ("+1", "-1", "@a", "\tx", "ok", None, 5)] == [
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "ok",
        "",
        "5",
    ]


async def test_csv_export(stored: Running) -> None:  # noqa: F811
    await stored.repo.add_events(
        [
            Event(
                eid=new_eid(),
                timestamp=make_events()[0].timestamp,
                decky="d",
                service="http",
                event_type="request",
                src_ip="192.0.2.9",
                fields={"path": "=cmd|' /C calc'!A0"},
                message="=1+1",
            )
        ]
    )
    response = await stored.client.get("/api/v1/events.csv", headers=stored.viewer, params={"limit": 1000})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["id", "eid", "timestamp"] and len(rows) == 252
    assert rows[-1][10] == "'=1+1"
    filtered = await stored.client.get(
        "/api/v1/events.csv", headers=stored.viewer, params={"service": "ssh", "limit": 7}
    )
    assert len(list(csv.reader(io.StringIO(filtered.text)))) == 8
