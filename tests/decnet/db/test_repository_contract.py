"""The repository contract: every case runs on SQLite and on MariaDB (see conftest.py)."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from decnet.db import migrate
from decnet.db.errors import AlreadyExists, DatabaseUnavailable
from decnet.db.models import Attacker, AttackSession, Credential, Fingerprint, Mutation, ProbeResult
from decnet.db.repository import SQLModelRepository, credential_digest
from decnet.db.retry import connect_with_retry
from decnet.db.telemetry import instrument
from decnet.events.model import Event, Rejected, new_eid
from tests.decnet.db.conftest import make_repository

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def ev(i: int = 0, **kw: object) -> Event:
    """A distinct event; keyword arguments override fields."""
    base: dict[str, object] = {
        "eid": f"{new_eid()}{i:06d}",
        "timestamp": T0 + timedelta(seconds=i),
        "decky": "decky-01",
        "service": "ssh",
        "event_type": "auth",
        "src_ip": "198.51.100.7",
        "src_port": 40000 + i,
        "sid": f"sid-{i // 3}",
        "fields": {"username": "root", "password": f"pw{i}"},
        "message": f"attempt {i}",
    }
    base.update(kw)
    return Event(**base)  # type: ignore[arg-type]


# -- events ---------------------------------------------------------------------------------


async def test_add_events_counts_and_round_trip(repo: SQLModelRepository) -> None:
    events = [ev(i) for i in range(5)]
    result = await repo.add_events(events)
    assert (result.inserted, result.duplicates) == (5, 0)
    stored = await repo.events_after(0, 100)
    assert [s.event for s in stored] == events
    assert all(s.received_at.tzinfo is UTC for s in stored)
    assert await repo.count_events() == 5
    assert await repo.max_event_id() == stored[-1].id


async def test_add_events_is_idempotent_on_eid(repo: SQLModelRepository) -> None:
    first = [ev(i) for i in range(4)]
    assert await repo.add_events(first) == type(await repo.add_events([]))(4, 0)
    # resend everything plus two new ones: only the new ones land
    again = [*first, ev(10), ev(11)]
    result = await repo.add_events(again)
    assert (result.inserted, result.duplicates) == (2, 4)
    # a full resend is all duplicates
    result = await repo.add_events(again)
    assert (result.inserted, result.duplicates) == (0, 6)
    assert await repo.count_events() == 6


async def test_duplicates_inside_one_batch(repo: SQLModelRepository) -> None:
    a, b = ev(1), ev(2)
    clash = ev(3, eid=a.eid, message="second copy")
    result = await repo.add_events([a, b, a, clash, b])
    assert (result.inserted, result.duplicates) == (2, 3)
    stored = await repo.get_event_by_eid(a.eid)
    assert stored is not None and stored.event.message == a.message  # the first copy wins
    assert await repo.get_event_by_eid("no-such-eid") is None


async def test_empty_batch(repo: SQLModelRepository) -> None:
    result = await repo.add_events([])
    assert (result.inserted, result.duplicates) == (0, 0)
    assert await repo.max_event_id() == 0
    assert await repo.events_after(0, 10) == []


async def test_events_after_pages_in_id_order(repo: SQLModelRepository) -> None:
    events = [ev(i) for i in range(2500)]
    for start in range(0, 2500, 700):
        await repo.add_events(events[start : start + 700])
    cursor, seen, pages = 0, [], []
    while batch := await repo.events_after(cursor, 1000):
        pages.append(len(batch))
        ids = [s.id for s in batch]
        assert ids == sorted(ids) and ids[0] > cursor
        seen.extend(s.event.eid for s in batch)
        cursor = batch[-1].id
    assert pages == [1000, 1000, 500]
    assert seen == [e.eid for e in events]
    assert cursor == await repo.max_event_id()


async def test_concurrent_writers_lose_nothing(repo: SQLModelRepository) -> None:
    batches = [[ev(b * 100 + i) for i in range(100)] for b in range(6)]
    results = await asyncio.gather(*(repo.add_events(batch) for batch in batches))
    assert sum(r.inserted for r in results) == 600
    stored = await repo.events_after(0, 1000)
    assert len({s.event.eid for s in stored}) == 600
    assert [s.id for s in stored] == sorted(s.id for s in stored)


async def test_minimal_event_and_optional_fields(repo: SQLModelRepository) -> None:
    bare = Event(eid="bare-1", timestamp=T0, decky="d", service="http", event_type="connect")
    await repo.add_events([bare])
    stored = await repo.get_event_by_eid("bare-1")
    assert stored is not None and stored.event == bare
    assert stored.event.fields == {} and stored.event.src_ip is None and stored.event.message == ""


async def test_timestamps_keep_microseconds_and_come_back_utc(repo: SQLModelRepository) -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=ist)
    early = datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC)
    await repo.add_events([ev(1, timestamp=local), ev(2, timestamp=early)])
    got = [s.event.timestamp for s in await repo.events_after(0, 10)]
    assert got == [local, early]  # same instants
    assert all(ts.tzinfo is UTC for ts in got)
    assert got[0].microsecond == 999999 and got[1].microsecond == 1
    assert got[0].hour == 18 and got[0].minute == 29  # 23:59 at +05:30 is 18:29 UTC


async def test_naive_timestamps_are_refused(repo: SQLModelRepository) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await repo.add_events([ev(1, timestamp=datetime(2025, 1, 1))])
    assert await repo.count_events() == 0


@pytest.mark.parametrize("field", ["decky", "service", "event_type", "message", "severity"])
async def test_missing_required_field_is_refused_not_dropped(repo: SQLModelRepository, field: str) -> None:
    with pytest.raises(ValueError, match="required field"):
        await repo.add_events([ev(1), ev(2, **{field: None})])
    assert await repo.count_events() == 0


async def test_unicode_in_fields_and_messages(repo: SQLModelRepository) -> None:
    text = "пароль 密码 🐍🔥 \U0001f9ea\U0001d518 e\u0301 \u200b\x00end"
    event = ev(1, fields={"username": "r🙂ot", "command": text}, message=f"{text} ☃")
    await repo.add_events([event])
    stored = await repo.get_event_by_eid(event.eid)
    assert stored is not None
    assert stored.event.fields == event.fields
    assert stored.event.message == event.message


async def test_large_message_and_fields(repo: SQLModelRepository) -> None:
    big = "A" * 200_000  # above MySQL TEXT's 64 KiB
    event = ev(1, message=big, fields={"body": big})
    await repo.add_events([event])
    stored = await repo.get_event_by_eid(event.eid)
    assert stored is not None and stored.event.message == big and stored.event.fields["body"] == big


# -- quarantine -----------------------------------------------------------------------------


async def test_rejected_round_trip(repo: SQLModelRepository) -> None:
    items = [
        Rejected.of("bad-sd", b"<13>1 - - - - - [oops", peer="unix:decky-01"),
        Rejected.of("invalid-utf8", b"\xff\xfe\x00\x80" * 2000, peer=None),
        Rejected(reason="oversize", raw=b"x" * 10, size=1 << 40, received_at=T0),
    ]
    assert await repo.add_rejected(items) == 3
    assert await repo.add_rejected([]) == 0
    assert await repo.count_rejected() == 3
    listed = await repo.list_rejected(10)
    assert [s.rejected for s in listed] == items[::-1]  # newest first
    assert listed[1].rejected.raw == items[1].raw[:4096] and len(listed[1].rejected.raw) == 4096
    assert listed[1].rejected.size == 8000
    assert listed[0].rejected.received_at == T0
    assert [s.rejected.reason for s in await repo.list_rejected(1)] == ["oversize"]


# -- deckies --------------------------------------------------------------------------------


async def test_decky_upsert_get_list_state_delete(repo: SQLModelRepository) -> None:
    spec = {"services": ["ssh", "http"], "os": "linux", "name": "décky ☃"}
    await repo.upsert_decky("decky-02", host="h2", spec=spec, ip="192.0.2.12", backend="docker")
    await repo.upsert_decky("decky-01", host="h1", spec={"services": ["smb"]}, mac="02:00:00:00:00:01")
    got = await repo.get_decky("decky-02")
    assert got is not None
    assert (got.host, got.spec, got.desired_state, got.actual_state) == ("h2", spec, "running", "unknown")
    assert got.updated_at.tzinfo is UTC
    assert [d.name for d in await repo.list_deckies()] == ["decky-01", "decky-02"]
    assert [d.name for d in await repo.list_deckies(host="h1")] == ["decky-01"]

    assert await repo.set_decky_actual_state("decky-02", "running") is True
    assert await repo.set_decky_actual_state("decky-02", "running") is True  # unchanged still counts as found
    assert await repo.set_decky_actual_state("missing", "running") is False
    # a new desired spec keeps the actual state reported by the fleet agent
    await repo.upsert_decky("decky-02", host="h3", spec={"services": ["ftp"]}, desired_state="stopped")
    got = await repo.get_decky("decky-02")
    assert got is not None
    assert (got.host, got.spec, got.desired_state, got.actual_state) == (
        "h3",
        {"services": ["ftp"]},
        "stopped",
        "running",
    )
    assert got.ip is None  # the identity is replaced as a whole

    assert await repo.delete_decky("decky-02") is True
    assert await repo.delete_decky("decky-02") is False
    assert await repo.get_decky("decky-02") is None


# -- worker state ---------------------------------------------------------------------------


async def test_worker_state_save_heartbeat_list(repo: SQLModelRepository) -> None:
    assert await repo.get_worker_state("correlator") is None
    await repo.heartbeat("correlator", node="node-a", pid=101)
    state = await repo.get_worker_state("correlator")
    assert state is not None and (state.cursor, state.counters, state.node, state.pid) == (
        0,
        {},
        "node-a",
        101,
    )
    assert state.heartbeat_at is not None and state.heartbeat_at.tzinfo is UTC

    await repo.save_worker_state("correlator", 42, {"events": 42, "sessions": 3})
    await repo.heartbeat("correlator", node="node-b", pid=202)
    state = await repo.get_worker_state("correlator")
    assert state is not None
    assert (state.cursor, state.counters, state.node, state.pid) == (
        42,
        {"events": 42, "sessions": 3},
        "node-b",
        202,
    )

    await repo.save_worker_state("profiler", 7, None)
    assert [(w.name, w.cursor) for w in await repo.list_worker_states()] == [
        ("correlator", 42),
        ("profiler", 7),
    ]
    assert (await repo.get_worker_state("profiler")).heartbeat_at is None  # type: ignore[union-attr]


async def test_worker_state_concurrent_upserts_are_atomic(repo: SQLModelRepository) -> None:
    # many first-time saves race on a row that does not exist yet: no duplicate-key error, one row
    await asyncio.gather(*(repo.save_worker_state("racer", n, {"n": n}) for n in range(12)))
    state = await repo.get_worker_state("racer")
    assert state is not None and state.counters == {"n": state.cursor} and 0 <= state.cursor < 12
    assert [w.name for w in await repo.list_worker_states()] == ["racer"]


async def test_transaction_commits_outputs_and_cursor_together(repo: SQLModelRepository) -> None:
    await repo.save_worker_state("correlator", 5, {"sessions": 0})
    session = AttackSession(decky="decky-01", service="ssh", src_ip="198.51.100.7", started_at=T0, sid="s1")

    with pytest.raises(RuntimeError, match="crash"):
        async with repo.transaction() as conn:
            await repo.add_sessions([session], conn=conn)
            await repo.save_worker_state("correlator", 9, {"sessions": 1}, conn=conn)
            assert (await repo.get_worker_state("correlator", conn=conn)).cursor == 9  # type: ignore[union-attr]
            raise RuntimeError("crash before commit")
    state = await repo.get_worker_state("correlator")
    assert state is not None and state.cursor == 5 and await repo.list_sessions() == []

    async with repo.transaction() as conn:
        await repo.add_sessions([session], conn=conn)
        await repo.save_worker_state("correlator", 9, {"sessions": 1}, conn=conn)
    state = await repo.get_worker_state("correlator")
    assert state is not None and state.cursor == 9 and len(await repo.list_sessions()) == 1


# -- users ----------------------------------------------------------------------------------


async def test_users(repo: SQLModelRepository) -> None:
    admin = await repo.create_user("admin", "hash-1", role="admin")
    assert admin.id is not None and admin.must_change_password is True
    await repo.create_user("viewer", "hash-2", must_change_password=False)
    with pytest.raises(AlreadyExists):
        await repo.create_user("admin", "other")
    got = await repo.get_user_by_username("admin")
    assert got is not None and (got.id, got.role, got.password_hash) == (admin.id, "admin", "hash-1")
    assert got.created_at.tzinfo is UTC
    assert await repo.get_user_by_username("ADMIN") is None  # usernames are case-sensitive everywhere
    assert [u.username for u in await repo.list_users()] == ["admin", "viewer"]
    assert await repo.count_users() == 2

    assert await repo.update_user_password("admin", "hash-3", must_change_password=False) is True
    got = await repo.get_user_by_username("admin")
    assert got is not None and (got.password_hash, got.must_change_password) == ("hash-3", False)
    assert await repo.update_user_password("ghost", "x") is False

    assert await repo.delete_user("viewer") is True
    assert await repo.delete_user("viewer") is False
    assert [u.username for u in await repo.list_users()] == ["admin"]


# -- intel tables ---------------------------------------------------------------------------


async def test_sessions(repo: SQLModelRepository) -> None:
    items = [
        AttackSession(
            sid=f"s{i}",
            decky="decky-01" if i < 2 else "decky-02",
            service="ssh",
            src_ip="198.51.100.7" if i % 2 == 0 else "203.0.113.9",
            src_port=50000 + i,
            started_at=T0 + timedelta(minutes=i),
            ended_at=T0 + timedelta(minutes=i, seconds=30),
            event_count=3 + i,
            auth_attempts=i,
            authenticated=i == 1,
            username="root",
            summary={"commands": ["uname -a"]} if i == 1 else None,
        )
        for i in range(3)
    ]
    assert await repo.add_sessions(items) == 3
    assert await repo.add_sessions([]) == 0
    listed = await repo.list_sessions()
    assert [s.sid for s in listed] == ["s2", "s1", "s0"]
    s1 = listed[1]
    assert (s1.authenticated, s1.summary, s1.ended_at) == (
        True,
        {"commands": ["uname -a"]},
        items[1].ended_at,
    )
    assert [s.sid for s in await repo.list_sessions(src_ip="198.51.100.7")] == ["s2", "s0"]
    assert [s.sid for s in await repo.list_sessions(decky="decky-01", limit=1)] == ["s1"]


async def test_attackers_upsert_by_ip(repo: SQLModelRepository) -> None:
    ip = "2001:db8:ffff:ffff:ffff:ffff:255.255.255.255"  # 45 characters, the longest textual form
    await repo.upsert_attackers(
        [Attacker(ip=ip, first_seen=T0, last_seen=T0 + timedelta(minutes=5), event_count=10, auth_attempts=2)]
    )
    await repo.upsert_attackers(
        [
            Attacker(ip=ip, first_seen=T0 - timedelta(hours=1), last_seen=T0, event_count=5, session_count=1),
            Attacker(ip="198.51.100.7", first_seen=T0, last_seen=T0, event_count=1),
        ]
    )
    got = await repo.get_attacker(ip)
    assert got is not None
    assert (got.first_seen, got.last_seen) == (T0 - timedelta(hours=1), T0 + timedelta(minutes=5))
    assert (got.event_count, got.session_count, got.auth_attempts) == (15, 1, 2)
    assert (got.score, got.profile) == (0.0, None)

    assert await repo.set_attacker_profile(ip, 87.5, {"class": "bruteforcer", "tools": ["hydra"]}) is True
    assert await repo.set_attacker_profile("192.0.2.99", 1.0, {}) is False
    await repo.upsert_attackers([Attacker(ip=ip, first_seen=T0, last_seen=T0, event_count=1)])
    got = await repo.get_attacker(ip)
    assert (
        got is not None and got.score == 87.5 and got.profile == {"class": "bruteforcer", "tools": ["hydra"]}
    )
    assert got.event_count == 16
    assert [a.ip for a in await repo.list_attackers()] == [ip, "198.51.100.7"]
    assert await repo.get_attacker("192.0.2.99") is None


async def test_credentials_upsert_by_digest(repo: SQLModelRepository) -> None:
    long_secret = "NTLMv2:" + "ab" * 5000  # far longer than any indexable column

    def cred(secret: str, seen: datetime, attempts: int = 1) -> Credential:
        return Credential(
            principal="administrator",
            secret_kind="ntlmv2",
            secret=secret,
            service="smb",
            decky="decky-01",
            attempts=attempts,
            first_seen=seen,
            last_seen=seen,
        )

    await repo.upsert_credentials([cred(long_secret, T0), cred(long_secret, T0 + timedelta(seconds=9), 2)])
    await repo.upsert_credentials([cred("Passw0rd!", T0), cred(long_secret, T0 - timedelta(seconds=3))])
    listed = await repo.list_credentials()
    by_secret = {c.secret: c for c in listed}
    assert set(by_secret) == {long_secret, "Passw0rd!"}
    merged = by_secret[long_secret]
    assert merged.attempts == 4
    assert (merged.first_seen, merged.last_seen) == (T0 - timedelta(seconds=3), T0 + timedelta(seconds=9))
    assert merged.digest == credential_digest(merged) and len(merged.digest) == 64
    assert await repo.list_credentials(service="ssh") == []
    assert len(await repo.list_credentials(service="smb", limit=1)) == 1


async def test_fingerprints_upsert(repo: SQLModelRepository) -> None:
    ja3 = "771,4865-4866-4867-49195,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0"

    def fp(kind: str, value: str, seen: datetime, count: int = 1) -> Fingerprint:
        return Fingerprint(
            src_ip="198.51.100.7", kind=kind, value=value, count=count, first_seen=seen, last_seen=seen
        )

    await repo.upsert_fingerprints([fp("ja3", ja3, T0), fp("hassh", "ec7378c1a92f5a8dde7e8b7a1ddf33d1", T0)])
    await repo.upsert_fingerprints([fp("ja3", ja3, T0 + timedelta(hours=1), 3)])
    listed = await repo.list_fingerprints(src_ip="198.51.100.7")
    assert [(f.kind, f.count) for f in listed] == [("ja3", 4), ("hassh", 1)]
    assert listed[0].last_seen == T0 + timedelta(hours=1) and listed[0].first_seen == T0
    assert [f.kind for f in await repo.list_fingerprints(kind="hassh")] == ["hassh"]
    assert await repo.list_fingerprints(src_ip="192.0.2.1") == []


async def test_probe_results(repo: SQLModelRepository) -> None:
    items = [
        ProbeResult(decky="decky-01", check_name="ttl", passed=True, evidence="ttl=64", checked_at=T0),
        ProbeResult(
            decky="decky-01", check_name="banner", passed=False, evidence="🙃", checked_at=T0 + timedelta(1)
        ),
        ProbeResult(decky="decky-02", check_name="ttl", passed=True, checked_at=T0),
    ]
    assert await repo.add_probe_results(items) == 3
    listed = await repo.list_probe_results(decky="decky-01")
    assert [(p.check_name, p.passed, p.evidence) for p in listed] == [
        ("banner", False, "🙃"),
        ("ttl", True, "ttl=64"),
    ]
    assert len(await repo.list_probe_results()) == 3


async def test_mutations(repo: SQLModelRepository) -> None:
    items = [
        Mutation(
            decky="decky-01", old_services=["ssh"], new_services=["http", "ftp"], trigger="scheduled", at=T0
        ),
        Mutation(
            decky="decky-01",
            old_services=["http", "ftp"],
            new_services=["smb"],
            trigger="operator",
            at=T0 + timedelta(1),
        ),
    ]
    assert await repo.add_mutations(items) == 2
    listed = await repo.list_mutations(decky="decky-01")
    assert [(m.new_services, m.trigger) for m in listed] == [
        (["smb"], "operator"),
        (["http", "ftp"], "scheduled"),
    ]
    assert await repo.list_mutations(decky="decky-09") == []


# -- life cycle, failures, telemetry ----------------------------------------------------------


async def test_initialize_is_repeatable_and_reports_revision(repo: SQLModelRepository) -> None:
    await asyncio.gather(repo.initialize(), repo.initialize())
    assert await repo.schema_revision() == migrate.head_revision()
    await repo.ping()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unreachable_url(backend: str, tmp_path: Path) -> tuple[str, str]:
    """A URL that cannot be opened, and the secret that must never show."""
    if backend == "sqlite":
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("a file where a directory should be")
        return f"sqlite+aiosqlite:///{blocker / 'sub' / 'decnet.db'}", "no-secret-in-sqlite"
    secret = "S3cr3t-p@ss"
    return f"mysql+asyncmy://decnet:S3cr3t-p%40ss@127.0.0.1:{_closed_port()}/decnet", secret


async def test_database_unavailable_masks_the_password(backend: str, tmp_path: Path) -> None:
    url, secret = _unreachable_url(backend, tmp_path)
    repo = make_repository(make_url(url))
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await repo.initialize()
        with pytest.raises(DatabaseUnavailable):
            await repo.count_events()
    finally:
        await repo.close()
    error = caught.value
    assert secret not in str(error) and "S3cr3t" not in str(error) and "%40" not in str(error)
    assert error.url == repo.display_url and error.url in str(error)
    if backend == "mysql":
        assert (
            error.url == f"mysql+asyncmy://decnet:***@127.0.0.1:{url.rsplit(':', 1)[1]}" + "?charset=utf8mb4"
        )
        assert "Can't connect" in error.reason or "2003" in error.reason


async def test_connect_with_retry_backs_off_then_gives_up(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, secret = _unreachable_url(backend, tmp_path)
    repo = make_repository(make_url(url))
    delays: list[float] = []

    async def fake_sleep(delay: float) -> None:
        delays.append(delay)

    caplog.set_level(logging.WARNING, logger="decnet.db")
    try:
        with pytest.raises(DatabaseUnavailable):
            await connect_with_retry(repo, attempts=4, max_delay=1.5, base_delay=0.5, sleep=fake_sleep)
    finally:
        await repo.close()
    assert len(delays) == 3
    assert all(0 <= d <= cap for d, cap in zip(delays, [0.5, 1.0, 1.5], strict=True))
    failures = [r for r in caplog.records if r.name == "decnet.db"]
    assert len(failures) == 4  # three retries announced, one final give-up
    assert all(secret not in r.getMessage() for r in failures)


async def test_connect_with_retry_succeeds(repo: SQLModelRepository) -> None:
    await connect_with_retry(repo, attempts=0, max_delay=1.0)  # zero still means one try
    assert await repo.schema_revision() == migrate.head_revision()


async def test_telemetry_counts_calls_and_errors(repo: SQLModelRepository) -> None:
    instrument(repo)
    assert instrument(repo) is repo  # idempotent
    await repo.add_events([ev(1), ev(2)])
    await repo.add_events([ev(3)])
    await repo.count_events()
    with pytest.raises(ValueError):
        await repo.add_events([ev(4, timestamp=datetime(2025, 1, 1))])
    snap = repo.telemetry.snapshot()
    assert snap["add_events"].calls == 3 and snap["add_events"].errors == 1
    assert snap["count_events"].calls == 1 and snap["count_events"].errors == 0
    stats = snap["add_events"]
    assert 0 < stats.p50_s <= stats.p95_s <= stats.p99_s <= stats.max_s <= stats.total_s
    assert "transaction" not in snap and "events_after" not in snap
