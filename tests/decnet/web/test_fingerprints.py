"""``GET /api/v1/fingerprints``: viewer access, filters by source and kind, cursor pagination, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from decnet.db.models import Fingerprint
from tests.decnet.web.conftest import Running

BASE = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
SOURCES = ("198.51.100.1", "198.51.100.2", "2001:db8::7")
KINDS = ("tcp_syn", "ja3", "hassh", "ssh_banner")
HOSTILE = 'SSH-2.0-<script>alert("x")</script>'


def rows() -> list[Fingerprint]:
    out = []
    for i in range(60):
        kind = KINDS[i % 4]
        value = HOSTILE if i == 3 else f"{kind}-value-{i}"
        when = BASE + timedelta(seconds=i)
        out.append(
            Fingerprint(
                src_ip=SOURCES[i % 3], kind=kind, value=value, count=1, first_seen=when, last_seen=when
            )
        )
    return out


async def page(web: Running, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = await web.client.get(
        "/api/v1/fingerprints", headers=web.viewer if headers is None else headers, params=params
    )
    return response


async def read_all(web: Running, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        response = await page(web, after=after, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if body["next_after"] is None:
            return items
        after = body["next_after"]


async def test_pages_cover_every_row_once_in_id_order(web: Running) -> None:
    await web.repo.upsert_fingerprints(rows())
    items = await read_all(web, limit=7)
    assert len(items) == 60
    ids = [item["id"] for item in items]
    assert ids == sorted(ids) and len(set(ids)) == 60


async def test_filters_and_upsert_counts(web: Running) -> None:
    await web.repo.upsert_fingerprints(rows())
    again = [r for r in rows() if r.kind == "hassh"]
    await web.repo.upsert_fingerprints(again)
    items = await read_all(web, src_ip="198.51.100.2", kind="hassh")
    assert items and all(i["src_ip"] == "198.51.100.2" and i["kind"] == "hassh" for i in items)
    assert all(i["count"] == 2 for i in items)
    assert len(await read_all(web, kind="ja3")) == 15
    assert await read_all(web, src_ip="203.0.113.99") == []


async def test_hostile_values_come_back_as_json_text(web: Running) -> None:
    await web.repo.upsert_fingerprints(rows())
    response = await page(web, kind="ssh_banner", src_ip=SOURCES[0])
    assert response.headers["content-type"].startswith("application/json")
    assert HOSTILE in [item["value"] for item in response.json()["items"]]


async def test_needs_a_token_and_valid_parameters(web: Running) -> None:
    assert (await page(web, headers={})).status_code == 401
    assert (await page(web, limit=0)).status_code == 422
    assert (await page(web, after=-1)).status_code == 422
    assert (await page(web, kind="x" * 40)).status_code == 422
    assert (await page(web, headers=web.admin)).status_code == 200
