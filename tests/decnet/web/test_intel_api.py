"""The intel API over the scenario corpora, correlated and profiled in-process: attackers
(sorted, filtered, paged), one attacker in full, sessions, credentials with reuse, stats, and
the JSON-lines and STIX 2.1 exports."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stix2

from decnet.intel import Correlator, Profiler
from tests.decnet.intel import corpora
from tests.decnet.web.conftest import Running

INTERACTIVE, BOT, SQLMAP = "198.51.100.7", "198.51.100.8", "203.0.113.72"
HYDRA, MEDUSA, NMAP, SLOW = "203.0.113.20", "203.0.113.71", "203.0.113.10", "203.0.113.60"


@pytest.fixture
async def intel(web: Running) -> Running:
    """The app's repository holding every scenario, correlated and profiled."""
    await web.repo.add_events(corpora.merged().ordered())
    await Correlator(web.repo).run_until_idle()
    await Profiler(web.repo).run_until_idle()
    return web


async def _get(web: Running, path: str, **params: Any) -> Any:
    response = await web.client.get(path, headers=web.viewer, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_attackers_by_score_with_pages(intel: Running) -> None:
    whole = await _get(intel, "/api/v1/attackers", limit=100)
    ips = [a["ip"] for a in whole["items"]]
    assert len(ips) == 8 and ips[0] == INTERACTIVE and ips[1] == BOT and ips[-1] == SLOW
    scores = [a["score"] for a in whole["items"]]
    assert scores == sorted(scores, reverse=True) and whole["next_cursor"] is None
    paged: list[str] = []
    cursor = None
    while True:
        page = await _get(intel, "/api/v1/attackers", limit=3, **({"cursor": cursor} if cursor else {}))
        paged += [a["ip"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == ips
    first = whole["items"][0]
    assert first["behaviour"] == "interactive_operator" and "T1105" in first["techniques"]
    assert first["deckies"] == ["decky-02"] and first["lateral_movement"] is False


async def test_attackers_by_last_seen_and_filters(intel: Running) -> None:
    recent = await _get(intel, "/api/v1/attackers", sort="last_seen", limit=100)
    seen = [a["last_seen"] for a in recent["items"]]
    assert seen == sorted(seen, reverse=True) and recent["items"][0]["ip"] == SLOW
    page = await _get(intel, "/api/v1/attackers", sort="last_seen", limit=2)
    rest = await _get(intel, "/api/v1/attackers", sort="last_seen", limit=100, cursor=page["next_cursor"])
    assert [a["ip"] for a in page["items"] + rest["items"]] == [a["ip"] for a in recent["items"]]

    async def ips(**params: Any) -> set[str]:
        return {a["ip"] for a in (await _get(intel, "/api/v1/attackers", **params))["items"]}

    assert await ips(behaviour="scanner") == {NMAP, SLOW, SQLMAP}
    assert await ips(technique="T1110.001") == {HYDRA, MEDUSA}
    assert await ips(decky="decky-08") == {MEDUSA, SQLMAP, NMAP, SLOW}
    assert await ips(behaviour="scanner", decky="decky-11") == {SLOW}
    assert await ips(technique="T9999") == set()
    bad = await intel.client.get("/api/v1/attackers", headers=intel.viewer, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400


async def test_one_attacker_in_full(intel: Running) -> None:
    listed = (await _get(intel, "/api/v1/attackers", limit=1))["items"][0]
    by_id = await _get(intel, f"/api/v1/attackers/{listed['id']}")
    by_ip = await _get(intel, f"/api/v1/attackers/{INTERACTIVE}")
    assert by_id == by_ip and by_id["ip"] == INTERACTIVE
    assert by_id["profile"]["timing"]["command_gap_median_s"] >= 2
    assert sum(r["points"] for r in by_id["reasons"]) == by_id["score"]
    assert [s["command_count"] for s in by_id["sessions"]] == [len(corpora.INTERACTIVE_COMMANDS)]
    assert {(c["principal"], c["successes"]) for c in by_id["credentials"]} == {("root", 0), ("root", 1)}
    t1105 = next(t for t in by_id["technique_details"] if t["id"] == "T1105")
    assert t1105["url"] == "https://attack.mitre.org/techniques/T1105/" and t1105["evidence"] == "downloads=1"
    assert [h["decky"] for h in by_id["traversal"]] == ["decky-02"]
    assert by_id["timeline"][0]["event_type"] == "disconnect"  # newest first
    assert by_id["history"][0]["behaviour"] == "interactive_operator"
    nmap = await _get(intel, f"/api/v1/attackers/{NMAP}")
    assert [h["decky"] for h in nmap["traversal"]] == [f"decky-{d:02d}" for d in range(1, 11)]
    assert nmap["lateral_movement"] is True
    sub = await _get(intel, f"/api/v1/attackers/{HYDRA}")
    assert next(t for t in sub["technique_details"] if t["id"] == "T1110.001")["url"].endswith("/T1110/001/")
    for missing in ("999999", "192.0.2.254"):
        response = await intel.client.get(f"/api/v1/attackers/{missing}", headers=intel.viewer)
        assert response.status_code == 404


async def test_session_with_its_transcript(intel: Running) -> None:
    detail = await _get(intel, f"/api/v1/attackers/{INTERACTIVE}")
    session_id = detail["sessions"][0]["id"]
    session = await _get(intel, f"/api/v1/sessions/{session_id}")
    assert [line["command"] for line in session["transcript"]] == corpora.INTERACTIVE_COMMANDS
    assert (
        session["authenticated"] and session["username"] == "root" and session["attacker_id"] == detail["id"]
    )
    assert session["duration_s"] > 60 and session["summary"]["client_version"].startswith("SSH-2.0-OpenSSH")
    assert (await intel.client.get("/api/v1/sessions/999999", headers=intel.viewer)).status_code == 404


async def test_credentials_with_reuse(intel: Running) -> None:
    everything = await _get(intel, "/api/v1/credentials", limit=1000)
    reused = await _get(intel, "/api/v1/credentials", reused="true", limit=1000)
    winter = [c for c in everything["items"] if c["secret"] == "Winter2024!"]
    assert len(winter) == 2 and all(c["reuse"]["deckies"] == 2 and c["reuse"]["reused"] for c in winter)
    stuffed = [c for c in everything["items"] if c["principal"] == "pi"]
    assert {c["service"] for c in stuffed} == {"ssh", "ftp", "http"}
    assert all(c["reuse"] == {"deckies": 2, "services": 3, "attackers": 1, "reused": True} for c in stuffed)
    assert {c["id"] for c in reused["items"]} == {
        c["id"] for c in everything["items"] if c["reuse"]["reused"]
    }
    not_reused = await _get(intel, "/api/v1/credentials", reused="false", limit=1000)
    assert len(reused["items"]) + len(not_reused["items"]) == len(everything["items"])
    page = await _get(intel, "/api/v1/credentials", limit=5)
    nxt = await _get(intel, "/api/v1/credentials", limit=5, after=page["next_after"])
    assert [c["id"] for c in page["items"] + nxt["items"]] == [c["id"] for c in everything["items"][:10]]
    ssh = await _get(intel, "/api/v1/credentials", service="ssh", decky="decky-03", limit=1000)
    assert {c["principal"] for c in ssh["items"]} == {"root", "admin"}


async def test_stats(intel: Running) -> None:
    stats = await _get(intel, "/api/v1/stats")
    corpus = corpora.merged()
    assert stats["events"] == len(corpus.events) and stats["attackers"] == 8 and stats["profiled"] == 8
    assert stats["sessions"] == sum(corpus.sessions.values())
    assert {c["name"]: c["count"] for c in stats["by_behaviour"]}["scanner"] == 3
    assert stats["top_attackers"][0]["ip"] == INTERACTIVE
    assert stats["correlator_lag"] == 0 and stats["profiler_pending"] == 0
    places: dict[str, set[tuple[str, str]]] = {}
    for e in corpus.events:
        secret = e.fields.get("password") if e.event_type == "auth" else None
        if secret is not None:
            places.setdefault(secret, set()).add((e.decky, e.service))
    reused = {
        s for s, where in places.items() if len({d for d, _ in where}) > 1 or len({v for _, v in where}) > 1
    }
    assert "Winter2024!" in reused and "123456" in reused  # hydra, medusa and the stuffing list share it
    assert stats["secrets_reused"] == len(reused)
    assert stats["lateral_movers"] == 4  # nmap, slow scan, stuffing (decky-04/05), credential reuse
    assert {"name": "T1110", "count": 3} in stats["top_techniques"]


async def test_export_json_lines(intel: Running) -> None:
    response = await intel.client.get("/api/v1/attackers/export.jsonl", headers=intel.viewer)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [x["ip"] for x in lines][:2] == [INTERACTIVE, BOT] and len(lines) == 8
    assert all({"score", "behaviour", "techniques", "reasons", "timing", "tools"} <= set(x) for x in lines)
    scanners = await intel.client.get(
        "/api/v1/attackers/export.jsonl", headers=intel.viewer, params={"behaviour": "scanner"}
    )
    assert {json.loads(x)["ip"] for x in scanners.text.splitlines()} == {NMAP, SLOW, SQLMAP}


async def test_stix_bundle_is_valid_stix_2_1(intel: Running) -> None:
    response = await intel.client.get(f"/api/v1/attackers/{INTERACTIVE}/stix", headers=intel.viewer)
    assert response.status_code == 200 and "stix+json" in response.headers["content-type"]
    bundle = response.json()
    parsed = stix2.parse(bundle, allow_custom=False)  # validates every object and property
    assert parsed.type == "bundle"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for obj in bundle["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    (address,) = by_type["ipv4-addr"]
    assert address["value"] == INTERACTIVE
    (observed,) = by_type["observed-data"]
    assert observed["object_refs"] == [address["id"]] and observed["number_observed"] >= 1
    (indicator,) = by_type["indicator"]
    assert (
        indicator["pattern"] == f"[ipv4-addr:value = '{INTERACTIVE}']" and indicator["pattern_type"] == "stix"
    )
    patterns = {p["external_references"][0]["external_id"]: p for p in by_type["attack-pattern"]}
    assert {"T1078", "T1059", "T1105", "T1082", "T1083", "T1033"} <= set(patterns)
    ref = patterns["T1105"]["external_references"][0]
    assert ref["source_name"] == "mitre-attack" and ref["url"] == "https://attack.mitre.org/techniques/T1105/"
    ids = {o["id"] for o in bundle["objects"]}
    relations = by_type["relationship"]
    assert all(r["source_ref"] in ids and r["target_ref"] in ids for r in relations)
    assert {r["target_ref"] for r in relations if r["relationship_type"] == "indicates"} == {
        p["id"] for p in by_type["attack-pattern"]
    }
    again = (await intel.client.get(f"/api/v1/attackers/{INTERACTIVE}/stix", headers=intel.viewer)).json()
    assert again == bundle  # deterministic ids
    missing = await intel.client.get("/api/v1/attackers/192.0.2.254/stix", headers=intel.viewer)
    assert missing.status_code == 404


async def test_stix_for_an_ipv6_attacker(web: Running) -> None:
    s = corpora.Scenario("v6")
    s.add(
        0, "decky-01", "http", "request", "2001:db8::7", "v1", method="GET", path="/", user_agent="curl/8.5.0"
    )
    await web.repo.add_events(s.ordered())
    await Correlator(web.repo).run_until_idle()
    await Profiler(web.repo).run_until_idle()
    bundle = (await web.client.get("/api/v1/attackers/2001:db8::7/stix", headers=web.viewer)).json()
    stix2.parse(bundle, allow_custom=False)
    assert any(o["type"] == "ipv6-addr" and o["value"] == "2001:db8::7" for o in bundle["objects"])


async def test_every_intel_route_is_documented(web: Running) -> None:
    schema = web.app.openapi()
    for path in (
        "/api/v1/attackers",
        "/api/v1/attackers/{id}",
        "/api/v1/sessions/{id}",
        "/api/v1/credentials",
        "/api/v1/stats",
    ):
        ok = schema["paths"][path]["get"]["responses"]["200"]
        assert "$ref" in json.dumps(ok["content"]["application/json"]["schema"]), path
    for path in ("/api/v1/attackers/export.jsonl", "/api/v1/attackers/{id}/stix"):
        assert schema["paths"][path]["get"]["responses"]["200"]["description"]
