"""``/api/v1/realism`` and ``/api/v1/deckies/{name}/realism``: the prober's latest verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from decnet.fleet.planner import plan_fleet
from decnet.prober.score import DeckyReport
from decnet.prober.store import store_reports
from decnet.prober.verdict import Verdict
from tests.decnet.web.conftest import Running

FLEET = "/api/v1/realism"


async def _deckies(web: Running) -> list[str]:
    fleet = plan_fleet(deckies=3, subnet="10.9.0.0/24", services="ssh,http", seed="ab" * 32, backend="local")
    for decky in fleet.deckies:
        await web.repo.upsert_decky(decky.name, host="h", spec=decky.model_dump(mode="json"), ip=decky.ip)
    return [d.name for d in fleet.deckies]


async def test_scores_checks_and_flags_of_the_latest_pass(web: Running) -> None:
    first, second, third = await _deckies(web)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    good = DeckyReport(first, [Verdict("banner:ssh", True, "observed 'SSH-2.0-OpenSSH_8.9p1'", 3)])
    bad = DeckyReport(
        second,
        [
            Verdict("banner:http", False, "observed '<script>alert(1)</script>': not shipped", 3),
            Verdict("port_open:http", True, "open: 80", 2),
            Verdict("tcp_stack", None, "local backend", 3),
        ],
    )
    await store_reports(web.repo, [good, bad], t0)
    rows = (await web.client.get(FLEET, headers=web.viewer)).json()
    assert [r["decky"] for r in rows] == [first, second, third]
    by = {r["decky"]: r for r in rows}
    assert by[first]["score"] == 1.0 and by[first]["flagged"] is False
    assert by[second]["score"] == 0.4 and by[second]["flagged"] is True
    assert by[second]["failed"] == ["banner:http"] and by[second]["skipped"] == {"tcp_stack": "local backend"}
    assert by[third] | {"decky": None} == {
        "decky": None, "checked_at": None, "score": None, "flagged": False, "failed": [], "skipped": {}, "error": "",
    }  # fmt: skip

    detail = await web.client.get(f"/api/v1/deckies/{second}/realism", headers=web.viewer)
    assert detail.status_code == 200
    body = detail.json()
    assert body["flagged"] is True and body["score"] == 0.4
    assert {c["check"]: c["passed"] for c in body["checks"]} == {"banner:http": False, "port_open:http": True}
    assert body["checks"][0]["evidence"] == "observed '<script>alert(1)</script>': not shipped"  # data, as is
    assert detail.headers["content-type"].startswith("application/json")

    # A newer pass replaces the older one.
    fixed = DeckyReport(second, [Verdict("banner:http", True, "observed 'nginx/1.18.0 (Ubuntu)'", 3)])
    await store_reports(web.repo, [fixed], t0 + timedelta(minutes=5))
    body = (await web.client.get(f"/api/v1/deckies/{second}/realism", headers=web.viewer)).json()
    assert body["flagged"] is False and [c["check"] for c in body["checks"]] == ["banner:http"]
    rows = {r["decky"]: r for r in (await web.client.get(FLEET, headers=web.viewer)).json()}
    assert rows[second]["score"] == 1.0


async def test_unknown_unprobed_and_anonymous(web: Running) -> None:
    first, *_ = await _deckies(web)
    missing = await web.client.get("/api/v1/deckies/nosuch/realism", headers=web.viewer)
    assert missing.status_code == 404 and missing.json()["detail"] == "no such decky"
    unprobed = await web.client.get(f"/api/v1/deckies/{first}/realism", headers=web.viewer)
    assert unprobed.status_code == 404 and unprobed.json()["detail"] == "not probed yet"
    assert (await web.client.get(FLEET)).status_code == 401
    assert (await web.client.get(f"/api/v1/deckies/{first}/realism")).status_code == 401
    assert (
        await web.client.get("/api/v1/deckies/" + "x" * 300 + "/realism", headers=web.viewer)
    ).status_code == 422
