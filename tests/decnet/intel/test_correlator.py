"""The correlator over the scenario corpora: sessions, attackers, credentials, traversals;
the same results for any batch size, for a replay and for a resume after a lost transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from decnet.db.models import attacker_credential_table, credential_table, traversal_hop_table
from decnet.db.repository import SQLModelRepository
from decnet.events.model import Event
from decnet.intel.correlator import Correlator
from tests.decnet.intel import corpora
from tests.decnet.intel.snapshot import snapshot


async def _correlate(repo: SQLModelRepository, events: list[Event], batch: int = 1000) -> None:
    await repo.add_events(events)
    await Correlator(repo, batch_size=batch).run_until_idle()


async def test_every_scenario_gives_its_sessions_and_attackers(repo: SQLModelRepository) -> None:
    corpus = corpora.merged()
    await _correlate(repo, corpus.ordered())
    attackers = {a.ip: a for a in await repo.list_attackers(limit=100)}
    assert set(attackers) == set(corpus.sessions)
    for ip, expected in corpus.sessions.items():
        sessions = await repo.list_sessions(src_ip=ip, limit=1000)
        assert len(sessions) == expected, ip
        assert attackers[ip].session_count == expected
        assert attackers[ip].event_count == sum(1 for e in corpus.events if e.src_ip == ip)


async def test_nmap_sweep_touches_ten_deckies_in_order(repo: SQLModelRepository) -> None:
    await _correlate(repo, corpora.nmap_sweep().ordered())
    attacker = await repo.get_attacker("203.0.113.10")
    assert attacker is not None and attacker.summary is not None
    assert attacker.summary["deckies"] == [f"decky-{d:02d}" for d in range(1, 11)]
    assert attacker.summary["lateral_movement"] is True
    assert attacker.summary["services"] == ["ssh", "http", "ftp"]
    async with repo.engine.connect() as conn:
        hops = (await conn.execute(select(traversal_hop_table).order_by(traversal_hop_table.c.seq))).all()
    assert [h.decky for h in hops] == [f"decky-{d:02d}" for d in range(1, 11)]
    assert [h.seq for h in hops] == list(range(10))


async def test_hydra_sessions_count_attempts_and_credentials(repo: SQLModelRepository) -> None:
    await _correlate(repo, corpora.hydra_ssh().ordered())
    sessions = await repo.list_sessions(src_ip="203.0.113.20", limit=100)
    assert {s.auth_attempts for s in sessions} == {3}
    assert not any(s.authenticated for s in sessions)
    assert all(
        s.summary and s.summary["closed"] and s.summary["client_version"] == "SSH-2.0-libssh_0.10.6"
        for s in sessions
    )
    attacker = await repo.get_attacker("203.0.113.20")
    assert attacker is not None and attacker.auth_attempts == 60
    creds = await repo.list_credentials(limit=1000)
    # root x 10 words (45 attempts) + admin x 10 words (15 attempts)
    assert sum(c.attempts for c in creds) == 60
    assert {c.principal for c in creds} == {"root", "admin"}
    assert all(c.secret_kind == "plaintext" and c.service == "ssh" for c in creds)


async def test_interactive_session_keeps_the_transcript_in_order(repo: SQLModelRepository) -> None:
    await _correlate(repo, corpora.interactive().ordered())
    (session,) = await repo.list_sessions(src_ip="198.51.100.7")
    assert session.authenticated and session.username == "root"
    assert session.auth_attempts == 2
    assert [c["command"] for c in session.transcript or []] == corpora.INTERACTIVE_COMMANDS
    assert session.summary is not None and session.summary["downloads"] == ["http://203.0.113.99/x.sh"]
    assert session.ended_at is not None and (session.ended_at - session.started_at).total_seconds() > 60


async def test_reused_secret_is_one_secret_digest_on_two_deckies(repo: SQLModelRepository) -> None:
    await _correlate(repo, corpora.reuse().ordered())
    creds = await repo.list_credentials()
    assert {c.decky for c in creds} == {"decky-06", "decky-07"}
    async with repo.engine.connect() as conn:
        digests = {r.secret_digest for r in await conn.execute(select(credential_table))}
        uses = (await conn.execute(select(attacker_credential_table))).all()
    assert len(digests) == 1
    assert [u.successes for u in uses] == [1, 1]
    attacker = await repo.get_attacker("198.51.100.8")
    assert attacker is not None and attacker.summary is not None
    assert attacker.summary["login_deckies"] == ["decky-06", "decky-07"]


async def test_stuffing_one_list_across_three_services(repo: SQLModelRepository) -> None:
    await _correlate(repo, corpora.stuffing().ordered())
    creds = await repo.list_credentials(limit=100)
    assert len(creds) == 24
    assert {c.service for c in creds} == {"ssh", "ftp", "http"}
    async with repo.engine.connect() as conn:
        digests = {r.secret_digest for r in await conn.execute(select(credential_table))}
    assert len(digests) == len(corpora.PAIRS)


async def test_sessions_without_sid_split_at_the_inactivity_gap(repo: SQLModelRepository) -> None:
    s = corpora.Scenario("gap")
    for at in (0, 30, 90, 700, 760, 2000):  # gaps of 610 s and 1240 s exceed 600 s
        s.add(at, "decky-01", "snmp", "request", "192.0.2.77", community="public")
    await repo.add_events(s.ordered())
    await Correlator(repo, batch_size=2, gap=timedelta(minutes=10)).run_until_idle()
    sessions = sorted(await repo.list_sessions(src_ip="192.0.2.77"), key=lambda x: x.started_at)
    assert [x.event_count for x in sessions] == [3, 2, 1]
    assert [(x.ended_at - x.started_at).total_seconds() for x in sessions if x.ended_at] == [90, 60, 0]


async def test_own_logs_and_sourceless_events_are_skipped(repo: SQLModelRepository) -> None:
    events = [
        Event.new("host-1", "decnet.collector", "stats", src_ip="127.0.0.1"),
        Event.new("decky-01", "ssh", "startup"),
    ]
    await repo.add_events(events)
    step = await Correlator(repo).step()
    assert step.events == 2 and step.counters["skipped"] == 2
    assert await repo.list_attackers() == []


@pytest.mark.parametrize("batch", [1, 7])
async def test_batch_size_does_not_change_the_result(repo: SQLModelRepository, batch: int) -> None:
    corpus = corpora.merged().ordered()
    await _correlate(repo, corpus, batch=len(corpus))
    everything = await snapshot(repo)
    # a second database state from scratch with another batch size
    await _wipe(repo)
    await _correlate(repo, corpus, batch=batch)
    assert await snapshot(repo) == everything


async def test_replaying_the_corpus_changes_nothing(repo: SQLModelRepository) -> None:
    corpus = corpora.merged().ordered()
    await _correlate(repo, corpus)
    first = await snapshot(repo)
    await _correlate(repo, corpus)  # the same events again: duplicates by eid, nothing new
    assert await snapshot(repo) == first


async def test_a_batch_lost_before_commit_is_redone_identically(
    repo: SQLModelRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpora.merged().ordered()
    await _correlate(repo, corpus, batch=50)
    clean = await snapshot(repo)
    await _wipe(repo)
    await repo.add_events(corpus)
    correlator = Correlator(repo, batch_size=50)
    await correlator.run_until_idle(max_steps=3)

    import decnet.intel.correlator as module

    real = module.write_batch_state

    async def crash(conn: Any, state: Any) -> None:
        await real(conn, state)
        raise RuntimeError("killed after writing, before commit")

    monkeypatch.setattr(module, "write_batch_state", crash)
    with pytest.raises(RuntimeError):
        await correlator.step()
    monkeypatch.setattr(module, "write_batch_state", real)
    await correlator.run_until_idle()
    assert await snapshot(repo) == clean


async def _wipe(repo: SQLModelRepository) -> None:
    from tests.decnet.db.conftest import _emptied

    await _emptied(repo)
