"""DECNET's own traffic: internal sources (hairpins, the prober's loopback source, the setting)
are never made attackers, sessions or credentials, while real attackers in the same batch are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from decnet.config import ConfigError, Settings
from decnet.db.models import (
    attacker_credential_table,
    attacker_technique_table,
    credential_table,
    event_table,
    session_table,
)
from decnet.db.repository import SQLModelRepository
from decnet.engine.reconcile import decky_record
from decnet.events.model import Event
from decnet.fleet.internal import (
    PROBER_SOURCE,
    InternalSources,
    InternalSourcesLoader,
    hairpin_of,
    parse_sources,
    probe_source,
)
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import FleetSpec
from decnet.intel.correlator import Correlator
from decnet.intel.profiler import Profiler

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HAIRPIN = "10.77.0.2"
ATTACKER = "203.0.113.99"


def _netns_fleet() -> FleetSpec:
    return plan_fleet(
        deckies=2,
        subnet="10.77.0.0/24",
        gateway="10.77.0.1",
        interface="eth9",
        ip_start="10.77.0.10",
        services="ssh,http",
        seed="71" * 32,
        backend="netns",
        name_prefix="lan",
    )


def _local_fleet() -> FleetSpec:
    return plan_fleet(
        deckies=1,
        subnet="127.83.0.0/24",
        ip_start="127.83.0.10",
        services="ssh,http",
        seed="72" * 32,
        backend="local",
        name_prefix="lo",
    )


async def _record(repo: SQLModelRepository, fleet: FleetSpec, hairpin: str | None) -> None:
    for spec in fleet.deckies:
        await repo.upsert_decky(
            spec.name, host="h1", spec=decky_record(spec, fleet, hairpin), ip=spec.ip, backend=spec.backend
        )


class _Events:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, ip: str, decky: str, service: str, event_type: str, **fields: str) -> None:
        n = len(self.events)
        self.events.append(
            Event(
                eid=f"internal-{n:05d}",
                timestamp=T0 + timedelta(seconds=n),
                decky=decky,
                service=service,
                event_type=event_type,
                src_ip=ip,
                src_port=40000 + n,
                fields=dict(fields),
            )
        )

    def probe_pass(self, ip: str, decky: str) -> None:
        """What one prober pass leaves behind on a decky: connects, a request, a login banner grab."""
        self.add(ip, decky, "ssh", "connect")
        self.add(ip, decky, "ssh", "disconnect")
        self.add(ip, decky, "http", "connect")
        self.add(ip, decky, "http", "request", method="GET", path="/", user_agent="decnet-prober")
        self.add(ip, decky, "ssh", "auth", username="root", password="probe", success="false")
        self.add(ip, decky, "ssh", "scan", ports="22,80,443")

    def attack(self, ip: str, decky: str) -> None:
        self.add(ip, decky, "ssh", "connect")
        self.add(ip, decky, "ssh", "auth", username="admin", password="hunter2", success="false")
        self.add(ip, decky, "http", "request", method="GET", path="/admin", user_agent="curl/8.0")


async def _count(repo: SQLModelRepository, table: object, where: object | None = None) -> int:
    stmt = select(func.count()).select_from(table)  # type: ignore[arg-type]
    if where is not None:
        stmt = stmt.where(where)  # type: ignore[arg-type]
    async with repo.engine.connect() as conn:
        return int((await conn.execute(stmt)).scalar_one())


# -- the set ------------------------------------------------------------------------------


def test_the_set_holds_hairpins_the_prober_source_and_the_setting() -> None:
    sources = InternalSources.of([HAIRPIN, None, "not-an-ip"], "192.0.2.7, 198.51.100.0/24,2001:db8::/32")
    assert PROBER_SOURCE in sources
    assert HAIRPIN in sources
    assert "192.0.2.7" in sources and "192.0.2.8" not in sources
    assert "198.51.100.200" in sources and "198.51.101.1" not in sources
    assert "2001:db8::5" in sources and "2001:db9::5" not in sources
    assert f"::ffff:{HAIRPIN}" in sources  # an IPv4-mapped form of an internal address
    assert "127.0.0.1" not in sources  # a tester on loopback is an attacker
    assert ATTACKER not in sources
    assert "" not in sources and "garbage" not in sources and None not in sources


def test_a_bad_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="not 'nope'"):
        parse_sources("10.0.0.1,nope")
    with pytest.raises(ValueError, match="at most"):
        parse_sources(",".join(f"10.0.{i // 250}.{i % 250}" for i in range(300)))
    with pytest.raises(ConfigError):
        Settings(internal_sources="10.0.0.0/33")
    settings = Settings(internal_sources=" 10.0.0.9 , 10.1.2.3/16 ")
    assert settings.internal_sources == "10.0.0.9/32,10.1.0.0/16"
    assert Settings(internal_sources="").internal_sources is None


def test_the_hairpin_is_read_from_the_record_reconcile_stores() -> None:
    fleet = _netns_fleet()
    assert hairpin_of(decky_record(fleet.deckies[0], fleet, HAIRPIN)) == HAIRPIN
    assert hairpin_of(decky_record(fleet.deckies[0], fleet, None)) is None
    assert hairpin_of({"_fleet": {"hairpin_ip": "999.1.1.1"}}) is None
    assert hairpin_of(["not", "a", "dict"]) is None


def test_the_prober_binds_only_for_loopback_targets() -> None:
    assert probe_source("127.83.0.10") == PROBER_SOURCE
    assert probe_source("10.77.0.10") is None
    assert probe_source("::1") is None  # its socket is AF_INET only
    assert probe_source("bogus") is None


async def test_the_loader_follows_the_decky_table(repo: SQLModelRepository) -> None:
    loader = InternalSourcesLoader("192.0.2.0/28")
    async with repo.transaction() as conn:
        assert HAIRPIN not in await loader.load(conn)
    fleet = _netns_fleet()
    await _record(repo, fleet, HAIRPIN)
    async with repo.transaction() as conn:
        sources = await loader.load(conn)
    assert HAIRPIN in sources and "192.0.2.3" in sources
    for spec in fleet.deckies:
        await repo.delete_decky(spec.name)
    async with repo.transaction() as conn:
        assert HAIRPIN not in await loader.load(conn)


# -- the correlator -----------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 4, 1000])
async def test_prober_traffic_makes_no_attacker_but_a_real_one_still_does(
    repo: SQLModelRepository, batch: int
) -> None:
    netns, local = _netns_fleet(), _local_fleet()
    await _record(repo, netns, HAIRPIN)
    await _record(repo, local, None)
    events = _Events()
    events.probe_pass(HAIRPIN, netns.deckies[0].name)
    events.attack(ATTACKER, netns.deckies[0].name)
    events.probe_pass(PROBER_SOURCE, local.deckies[0].name)
    events.probe_pass(HAIRPIN, netns.deckies[1].name)
    events.attack("127.0.0.1", local.deckies[0].name)  # a tester on the local decky
    await repo.add_events(events.events)
    correlator = Correlator(repo, batch_size=batch)
    await correlator.run_until_idle()

    attackers = {a.ip: a for a in await repo.list_attackers(limit=100)}
    assert set(attackers) == {ATTACKER, "127.0.0.1"}
    assert attackers[ATTACKER].event_count == 3 and attackers[ATTACKER].auth_attempts == 1
    for ip in (HAIRPIN, PROBER_SOURCE):
        assert await _count(repo, session_table, session_table.c.src_ip == ip) == 0
        assert (
            await _count(repo, attacker_credential_table, attacker_credential_table.c.attacker_ip == ip) == 0
        )
    assert await _count(repo, credential_table) == 2  # admin/hunter2 of the attacker and the tester
    assert await _count(repo, credential_table, credential_table.c.principal == "root") == 0  # the prober's
    state = await repo.get_worker_state("correlator")
    assert state is not None and state.counters is not None
    assert state.counters["internal"] == 18
    assert state.counters["events"] == len(events.events)
    async with repo.engine.connect() as conn:  # internal events are passed, not left behind
        last = (await conn.execute(select(func.max(event_table.c.id)))).scalar_one()
    assert int(state.cursor) == last


async def test_a_configured_network_is_honoured(repo: SQLModelRepository) -> None:
    events = _Events()
    events.attack("198.51.100.20", "lan-01")  # the monitoring host, inside the configured /24
    events.attack("198.51.101.20", "lan-01")  # just outside it
    await repo.add_events(events.events)
    await Correlator(repo, internal="198.51.100.0/24").run_until_idle()
    assert [a.ip for a in await repo.list_attackers(limit=10)] == ["198.51.101.20"]
    state = await repo.get_worker_state("correlator")
    assert state is not None and state.counters is not None and state.counters["internal"] == 3


def test_the_correlator_refuses_a_bad_setting(repo: SQLModelRepository) -> None:
    with pytest.raises(ValueError):
        Correlator(repo, internal="10.0.0.0/99")


async def test_the_profiler_never_sees_internal_sources(repo: SQLModelRepository) -> None:
    fleet = _netns_fleet()
    await _record(repo, fleet, HAIRPIN)
    events = _Events()
    for decky in fleet.deckies:  # a closed-port sweep of every decky: a scanner, were it an attacker
        events.probe_pass(HAIRPIN, decky.name)
    events.attack(ATTACKER, fleet.deckies[0].name)
    await repo.add_events(events.events)
    await Correlator(repo).run_until_idle()
    assert await Profiler(repo).run_until_idle() == 1  # the real attacker only
    assert await repo.get_attacker(HAIRPIN) is None
    attacker = await repo.get_attacker(ATTACKER)
    assert attacker is not None and attacker.profile is not None
    techniques = attacker_technique_table.c.attacker_ip
    assert await _count(repo, attacker_technique_table, techniques == HAIRPIN) == 0
