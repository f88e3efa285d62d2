"""The profiler over the scenario corpora: classes, techniques, tools, score order and history;
identical results for any batch size, for a replay and after a transaction lost mid-batch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from decnet.db.models import Fingerprint, profile_history_table
from decnet.db.repository import SQLModelRepository
from decnet.events.model import Event
from decnet.intel import Correlator, Profiler
from tests.decnet.db.conftest import _emptied
from tests.decnet.intel import corpora
from tests.decnet.intel.snapshot import snapshot


async def _run(repo: SQLModelRepository, events: list[Event], cbatch: int = 1000, pbatch: int = 100) -> None:
    await repo.add_events(events)
    await Correlator(repo, batch_size=cbatch).run_until_idle()
    await Profiler(repo, batch_size=pbatch).run_until_idle()


async def _profiles(repo: SQLModelRepository) -> dict[str, dict[str, Any]]:
    return {a.ip: a.profile or {} for a in await repo.list_attackers(limit=1000)}


def _check(profile: dict[str, Any], scenario: corpora.Scenario, ip: str) -> None:
    assert profile["behaviour"] == scenario.classes[ip], (ip, profile["classes"])
    ids = {t["id"] for t in profile["techniques"]}
    assert scenario.techniques[ip] <= ids, (ip, ids)
    assert not (scenario.absent[ip] & ids), (ip, ids)
    assert scenario.tools[ip] <= {t["name"] for t in profile["tools"]}, (ip, profile["tools"])
    assert 0 <= profile["score"] <= 100
    assert profile["score"] == min(100, sum(r["points"] for r in profile["reasons"]))
    assert all(r["reason"] for r in profile["reasons"])


@pytest.mark.parametrize(
    "build",
    [
        corpora.nmap_sweep,
        corpora.hydra_ssh,
        corpora.stuffing,
        corpora.interactive,
        corpora.reuse,
        corpora.slow_scan,
        corpora.interleaved,
    ],
    ids=lambda f: f.__name__,
)
async def test_each_scenario_alone(repo: SQLModelRepository, build: Any) -> None:
    scenario = build()
    await _run(repo, scenario.ordered())
    profiles = await _profiles(repo)
    assert set(profiles) == set(scenario.classes)
    for ip in scenario.classes:
        _check(profiles[ip], scenario, ip)


async def test_all_scenarios_together_and_the_score_order(repo: SQLModelRepository) -> None:
    corpus = corpora.merged()
    await _run(repo, corpus.ordered())
    profiles = await _profiles(repo)
    for ip in corpus.classes:
        _check(profiles[ip], corpus, ip)
    score = {ip: p["score"] for ip, p in profiles.items()}
    interactive, bot, exploit = "198.51.100.7", "198.51.100.8", "203.0.113.72"
    credential = ["203.0.113.20", "203.0.113.30", "203.0.113.71"]
    nmap, slow = "203.0.113.10", "203.0.113.60"
    assert score[interactive] > score[bot] > score[exploit] > max(score[c] for c in credential)
    assert min(score[c] for c in credential) > score[nmap] > score[slow] > 0
    ranked = await repo.list_attackers()
    assert profiles[interactive]["phase"] == "actions_on_objectives"
    assert profiles[nmap]["phase"] == "reconnaissance"
    assert ranked  # every attacker has a row
    timing = profiles[interactive]["timing"]
    assert timing["command_gap_median_s"] >= 2.0
    assert profiles[bot]["timing"]["command_gap_median_s"] < 2.0


async def test_fingerprints_and_scan_events_are_used(repo: SQLModelRepository) -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ip = "192.0.2.50"
    await repo.upsert_fingerprints(
        [
            Fingerprint(
                src_ip=ip,
                kind="hassh",
                value="fafc45381bfde997b6305c4e1600f1bf",
                first_seen=now,
                last_seen=now,
            )
        ]
    )
    scan = Event(
        "scan-1", now, "bridge-host", "sniffer", "scan", src_ip=ip, fields={"ports": "22,80,443,3389"}
    )
    await _run(repo, [scan])
    profile = (await _profiles(repo))[ip]
    assert {
        "name": "metasploit",
        "source": "hassh",
        "evidence": "fafc45381bfde997b6305c4e1600f1bf",
    } in profile["tools"]
    assert profile["behaviour"] == "scanner"
    assert {"T1046", "T1595"} <= {t["id"] for t in profile["techniques"]}
    assert await repo.list_sessions(src_ip=ip) == []


async def test_a_regular_callback_is_beaconing(repo: SQLModelRepository) -> None:
    s = corpora.Scenario("beacon")
    for n, jitter in enumerate([0, 2, -1, 1, 0, -2, 1, 0]):
        at = n * 300 + jitter
        s.add(
            at,
            "decky-09",
            "http",
            "request",
            "192.0.2.60",
            f"b{n}",
            method="GET",
            path="/update",
            user_agent="Go-http-client/1.1",
            status="404",
        )
    await _run(repo, s.ordered())
    profile = (await _profiles(repo))["192.0.2.60"]
    assert profile["behaviour"] == "beaconing"
    assert profile["phase"] == "command_and_control"
    assert profile["timing"]["session_gap_cv"] < 0.1


async def test_history_records_each_change(repo: SQLModelRepository) -> None:
    events = corpora.interactive().ordered()
    login_only = [e for e in events if e.event_type in {"connect", "auth", "session"}]
    rest = [e for e in events if e not in login_only]
    await _run(repo, login_only)
    await _run(repo, rest)
    await Profiler(repo).run_until_idle()  # nothing new: no new history
    async with repo.engine.connect() as conn:
        history = (
            await conn.execute(select(profile_history_table).order_by(profile_history_table.c.id))
        ).all()
    assert len(history) == 2
    first, second = history
    assert first.behaviour == "unclassified" and first.changes[0].startswith("first profile")
    assert second.behaviour == "interactive_operator" and "+T1105" in second.changes
    assert second.score > first.score
    assert any(c.startswith("behaviour: unclassified -> interactive_operator") for c in second.changes)


@pytest.mark.parametrize("batch", [1, 7])
async def test_batch_sizes_give_identical_profiles(repo: SQLModelRepository, batch: int) -> None:
    corpus = corpora.merged().ordered()
    await _run(repo, corpus, cbatch=len(corpus), pbatch=1000)
    everything = await snapshot(repo, profiles=True)
    await _emptied(repo)
    await _run(repo, corpus, cbatch=batch, pbatch=batch)
    assert await snapshot(repo, profiles=True) == everything


async def test_replay_changes_nothing(repo: SQLModelRepository) -> None:
    corpus = corpora.merged().ordered()
    await _run(repo, corpus)
    first = await snapshot(repo, profiles=True)
    await _run(repo, corpus)
    assert await snapshot(repo, profiles=True) == first


async def test_a_batch_lost_before_commit_is_redone_identically(
    repo: SQLModelRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpora.merged().ordered()
    await _run(repo, corpus, pbatch=3)
    clean = await snapshot(repo, profiles=True)
    await _emptied(repo)
    await repo.add_events(corpus)
    await Correlator(repo).run_until_idle()
    profiler = Profiler(repo, batch_size=3)
    await profiler.step()

    import decnet.intel.profiler as module

    real = module.write_profiles

    async def crash(*args: Any) -> None:
        await real(*args)  # every profile of the batch written, then the process dies
        raise RuntimeError("killed mid-batch")

    monkeypatch.setattr(module, "write_profiles", crash)
    with pytest.raises(RuntimeError):
        await profiler.step()
    monkeypatch.setattr(module, "write_profiles", real)
    await profiler.run_until_idle()
    assert await snapshot(repo, profiles=True) == clean


async def test_protocol_verbs_are_not_shell_commands(repo: SQLModelRepository) -> None:
    """Redis, FTP and IMAP log their verbs as ``command`` events: kept in the session transcript,
    never counted as shell commands (no T1059, no interactive class); ssh commands still are."""
    s = corpora.Scenario("verbs")
    for n, (service, command) in enumerate(
        [("redis", "AUTH admin"), ("redis", "CONFIG GET *"), ("ftp", "RETR passwd"), ("imap", "SELECT INBOX")]
    ):
        s.add(n * 20, "decky-03", service, "command", "192.0.2.70", f"v{n}", command=command)
    s.add(5, "decky-04", "ssh", "command", "192.0.2.71", "sh1", command="uname -a")
    s.add(40, "decky-04", "ssh", "command", "192.0.2.71", "sh1", command="id")
    await _run(repo, s.ordered())
    profiles = await _profiles(repo)
    verbs = profiles["192.0.2.70"]
    assert "T1059" not in {t["id"] for t in verbs["techniques"]}
    assert verbs["behaviour"] != "interactive_operator"
    sessions = await repo.list_sessions(src_ip="192.0.2.70")
    assert sum((x.summary or {}).get("commands", 0) for x in sessions) == 4  # still in the transcripts
    shell = profiles["192.0.2.71"]
    assert {"T1059", "T1082", "T1033"} <= {t["id"] for t in shell["techniques"]}
