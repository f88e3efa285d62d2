"""The planner: IP allocation, reproducible draws, MAC vendors, flag errors, specs."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from decnet.fleet.catalog import ARCHETYPES, DISTROS, SERVICES, vendor_of
from decnet.fleet.catalog.vendors import vendor_weights
from decnet.fleet.errors import FleetConfigError
from decnet.fleet.planner import (
    AddressPoolExhausted,
    allocate_ips,
    assign_hosts,
    choose_mac,
    mutation_services,
    parse_address_set,
    plan_fleet,
    random_services,
)
from decnet.fleet.rand import decky_seed, parse_seed
from decnet.fleet.spec import CustomServiceSpec, DeckySpec, FleetSpec


def test_allocation_skips_network_broadcast_gateway_and_in_use() -> None:
    ips = allocate_ips("10.0.0.0/29", 4, gateway="10.0.0.1", exclude=["10.0.0.3"])
    assert ips == ["10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
    with pytest.raises(AddressPoolExhausted, match="5 deckies need addresses but only 4 are free"):
        allocate_ips("10.0.0.0/29", 5, gateway="10.0.0.1", exclude=["10.0.0.3"])


def test_allocation_from_start_and_gateway_in_the_middle() -> None:
    ips = allocate_ips("192.168.5.0/24", 3, gateway="192.168.5.101", start="192.168.5.100")
    assert ips == ["192.168.5.100", "192.168.5.102", "192.168.5.103"]
    assert allocate_ips("192.168.5.0/24", 1, gateway="192.168.5.1", start="192.168.5.254") == [
        "192.168.5.254"
    ]
    with pytest.raises(AddressPoolExhausted):
        allocate_ips("192.168.5.0/24", 2, gateway="192.168.5.1", start="192.168.5.254")


def test_point_to_point_subnets_use_every_address() -> None:
    assert allocate_ips("10.0.0.0/31", 1, gateway="10.0.0.0") == ["10.0.0.1"]


def test_address_sets() -> None:
    got = parse_address_set(["10.0.0.1", "10.0.0.8/30", "10.0.0.20-10.0.0.22", " "])
    assert {str(a) for a in got} == {
        "10.0.0.1", "10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11", "10.0.0.20", "10.0.0.21", "10.0.0.22",
    }  # fmt: skip
    with pytest.raises(ValueError, match="not an IPv4 address"):
        parse_address_set(["10.0.0.300"])
    with pytest.raises(ValueError, match="not a valid address range"):
        parse_address_set(["10.0.0.9-10.0.0.1"])


def test_plan_basics() -> None:
    fleet = plan_fleet(deckies=5, subnet="10.1.0.0/24", services="ssh,http", seed="lab", interface="eth1")
    assert [d.name for d in fleet.deckies] == [f"decky-0{i}" for i in range(1, 6)]
    assert [d.ip for d in fleet.deckies] == [f"10.1.0.{i}" for i in range(2, 7)]
    assert fleet.gateway == "10.1.0.1" and fleet.interface == "eth1" and fleet.net == "10.1.0.0/24"
    assert all(d.services == ["ssh", "http"] for d in fleet.deckies)
    assert all(d.mutate_interval == 30 and d.backend == "docker" for d in fleet.deckies)
    assert len({d.mac for d in fleet.deckies}) == 5
    assert len({d.hostname.lower() for d in fleet.deckies}) == 5
    assert len({d.seed for d in fleet.deckies}) == 5
    assert fleet.deckies[0].seed_bytes == decky_seed(fleet.seed_bytes, "decky-01")
    FleetSpec.model_validate_json(fleet.model_dump_json())  # JSON round trip


def test_plan_is_reproducible_from_the_seed() -> None:
    kwargs = {"deckies": 8, "subnet": "10.2.0.0/24", "randomize_services": True, "randomize_distros": True}
    a = plan_fleet(**kwargs, seed="s1")  # type: ignore[arg-type]
    b = plan_fleet(**kwargs, seed="s1")  # type: ignore[arg-type]
    c = plan_fleet(**kwargs, seed="s2")  # type: ignore[arg-type]
    assert a == b
    assert [d.mac for d in a.deckies] != [d.mac for d in c.deckies]
    assert plan_fleet(**kwargs).seed != plan_fleet(**kwargs).seed  # type: ignore[arg-type]


def test_adding_a_decky_keeps_the_others() -> None:
    small = plan_fleet(deckies=3, subnet="10.3.0.0/24", randomize_services=True, seed="grow")
    large = plan_fleet(deckies=4, subnet="10.3.0.0/24", randomize_services=True, seed="grow")
    assert large.deckies[:3] == small.deckies


def test_services_randomized_from_the_pool() -> None:
    fleet = plan_fleet(deckies=30, subnet="10.4.0.0/24", archetype="database-server", randomize_services=True)
    pool = set(ARCHETYPES["database-server"].pool)
    for decky in fleet.deckies:
        assert 1 <= len(decky.services) <= 3 and set(decky.services) <= pool
    assert len({tuple(d.services) for d in fleet.deckies}) > 3
    given_pool = plan_fleet(deckies=10, subnet="10.4.0.0/24", services="ftp,smtp", randomize_services=True)
    assert all(set(d.services) <= {"ftp", "smtp"} for d in given_pool.deckies)


def test_archetype_defaults() -> None:
    fleet = plan_fleet(deckies=6, subnet="10.5.0.0/24", archetype="windows-workstation", seed="w")
    for decky in fleet.deckies:
        assert decky.services == ["smb", "rdp"] and decky.os_profile == "windows"
        assert decky.distro in ("debian", "ubuntu22") and decky.archetype == "windows-workstation"
        assert decky.hostname.startswith("DESKTOP-")


def test_distros_cycle_or_draw() -> None:
    cycled = plan_fleet(deckies=5, subnet="10.6.0.0/24", services="ssh", distros="debian,rocky9")
    assert [d.distro for d in cycled.deckies] == ["debian", "rocky9", "debian", "rocky9", "debian"]
    assert cycled.deckies[1].hostname.endswith(".localdomain")
    drawn = plan_fleet(
        deckies=40, subnet="10.6.0.0/24", services="ssh", distros="kali,arch", randomize_distros=True
    )
    assert {d.distro for d in drawn.deckies} == {"kali", "arch"}
    default = plan_fleet(deckies=40, subnet="10.6.0.0/24", services="ssh")
    assert {d.distro for d in default.deckies} <= set(DISTROS) and len(
        {d.distro for d in default.deckies}
    ) > 2


@pytest.mark.parametrize(
    ("archetype", "os_profile", "role"),
    [
        ("linux-server", "linux", ""),
        ("windows-workstation", "windows", ""),
        ("domain-controller", "windows_server", ""),
        ("printer", "embedded", "printer"),
        ("iot-device", "embedded", "iot"),
        ("industrial-control", "embedded", "ics"),
    ],
)
def test_macs_come_from_plausible_vendors(archetype: str, os_profile: str, role: str) -> None:
    fleet = plan_fleet(deckies=20, subnet="10.7.0.0/24", archetype=archetype, seed=archetype)
    allowed = {key for key, _ in vendor_weights(os_profile, role)}
    for decky in fleet.deckies:
        vendor = vendor_of(decky.mac)
        assert vendor is not None and vendor.key in allowed, decky.mac


def test_mac_for_cisco_and_uniqueness() -> None:
    mac = choose_mac(parse_seed("c"), "cisco")
    assert vendor_of(mac) is not None and vendor_of(mac).key == "cisco"  # type: ignore[union-attr]
    assert choose_mac(parse_seed("c"), "cisco", taken={mac}) != mac


def test_excluded_addresses_are_never_allocated() -> None:
    fleet = plan_fleet(
        deckies=3,
        subnet="10.8.0.0/29",
        services="ssh",
        host_addresses=["10.8.0.2"],
        in_use=["10.8.0.4"],
    )
    assert [d.ip for d in fleet.deckies] == ["10.8.0.3", "10.8.0.5", "10.8.0.6"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deckies": 0, "services": "ssh"}, "--deckies: 0; expected at least 1"),
        ({"archetype": "mainframe"}, "--archetype: unknown archetype 'mainframe'"),
        ({}, "--services: no services"),
        ({"services": "ssh,gopher"}, "--services: unknown service 'gopher'"),
        ({"services": "ssh,ssh"}, "--services: ssh listed twice"),
        ({"services": "ssh", "distros": "gentoo"}, "--distro: unknown distro 'gentoo'"),
        ({"services": "ssh", "subnet": "10.0.0.0/33"}, "--subnet: 10.0.0.0/33 is not an IPv4 CIDR"),
        (
            {"services": "ssh", "subnet": "10.0.0.5/24"},
            "--subnet: 10.0.0.5/24 has host bits set; did you mean 10.0.0.0/24?",
        ),
        ({"services": "ssh", "subnet": "10.0.0.0"}, "--subnet: 10.0.0.0 is not a CIDR"),
        ({"services": "ssh", "gateway": "10.9.9.9"}, "--gateway: 10.9.9.9 is outside 10.0.0.0/24"),
        ({"services": "ssh", "ip_start": "10.9.0.1"}, "--ip-start: 10.9.0.1 is outside 10.0.0.0/24"),
        ({"services": "ssh", "backend": "vmware"}, "--backend: unknown backend 'vmware'"),
        ({"services": "ssh", "mutate_interval": -1}, "--mutate-interval: -1 is negative"),
        ({"services": "ssh", "os_profile": "plan9"}, "--os: unknown OS profile 'plan9'"),
        ({"services": "ssh", "deckies": 300}, "--deckies: no free address left for decky-254"),
    ],
)
def test_flag_errors_name_the_flag(kwargs: dict[str, object], message: str) -> None:
    params: dict[str, object] = {"deckies": 2, "subnet": "10.0.0.0/24", **kwargs}
    with pytest.raises(FleetConfigError) as info:
        plan_fleet(**params)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_assign_hosts_round_robin() -> None:
    fleet = assign_hosts(plan_fleet(deckies=5, subnet="10.9.0.0/24", services="ssh"), ["h1", "h2"])
    assert [d.host for d in fleet.deckies] == ["h1", "h2", "h1", "h2", "h1"]
    assert set(fleet.by_host()) == {"h1", "h2"}


@settings(max_examples=60, deadline=None)
@given(
    st.binary(min_size=32, max_size=32), st.lists(st.sampled_from(sorted(SERVICES)), min_size=1, max_size=6)
)
def test_random_services_property(seed: bytes, pool: list[str]) -> None:
    chosen = random_services(pool, seed)
    assert chosen is not None and 1 <= len(chosen) <= 3 and set(chosen) <= set(pool)
    assert len(set(chosen)) == len(chosen)
    other = random_services(pool, seed, different_from=chosen)
    if len(set(pool)) > 1:
        assert other is not None and set(other) != set(chosen)


def test_mutation_services() -> None:
    fleet = plan_fleet(deckies=3, subnet="10.10.0.0/24", archetype="web-server", seed="m")
    for i, decky in enumerate(fleet.deckies):
        new = mutation_services(decky, parse_seed(f"mut{i}"))
        assert new is not None and set(new) != set(decky.services)
        assert set(new) <= set(ARCHETYPES["web-server"].pool)
    deaddeck = plan_fleet(deckies=1, subnet="10.10.0.0/24", archetype="deaddeck").deckies[0]
    assert mutation_services(deaddeck, parse_seed("x")) is None


def _decky(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "d1",
        "ip": "10.0.0.2",
        "mac": "00:50:56:00:00:01",
        "hostname": "SRV-ATLAS-01",
        "distro": "debian",
        "os_profile": "linux",
        "services": ["ssh"],
        "seed": "ab" * 32,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ip": "10.0.0.256"}, "is not an IPv4 address"),
        ({"mac": "00:50:56:00:00"}, "is not a MAC address"),
        ({"mac": "01:00:5e:00:00:01"}, "multicast"),
        ({"hostname": "bad_host"}, "not a valid hostname"),
        ({"distro": "gentoo"}, "unknown distro"),
        ({"os_profile": "plan9"}, "unknown OS profile"),
        ({"archetype": "mainframe"}, "unknown archetype"),
        ({"services": ["ssh", "gopher"]}, "unknown services"),
        ({"services": ["ssh", "ssh"]}, "duplicates"),
        ({"service_config": {"http": {"a": "b"}}}, "does not run"),
        ({"seed": "xyz"}, "64 hex digits"),
        ({"name": "a.b"}, "not a valid decky name"),
        ({"colour": "blue"}, "Extra inputs are not permitted"),
        ({"mutate_interval": -5}, "greater than or equal to 0"),
    ],
)
def test_decky_spec_validation(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DeckySpec.model_validate(_decky(**overrides))


def test_decky_spec_custom_services_and_helpers() -> None:
    app = CustomServiceSpec(name="myapp", image="img:1", ports=[9999])
    spec = DeckySpec.model_validate(
        _decky(services=["ssh", "myapp"], custom_services=[app], mac="00-50-56-AA-BB-CC")
    )
    assert spec.mac == "00:50:56:aa:bb:cc"
    assert spec.builtin_services == ["ssh"] and spec.os_family == "linux"
    assert spec.sysctls()["net.ipv4.ip_default_ttl"] == "64"
    with pytest.raises(ValidationError, match="not in services"):
        DeckySpec.model_validate(_decky(custom_services=[app]))
    with pytest.raises(ValidationError, match="name of a built-in service"):
        CustomServiceSpec(name="ssh", image="x", ports=[22])
    with pytest.raises(ValidationError, match="out of range"):
        CustomServiceSpec(name="x", image="x", ports=[70000])


def test_fleet_spec_coherence() -> None:
    one = DeckySpec.model_validate(_decky())
    two = DeckySpec.model_validate(_decky(name="D1", mac="00:50:56:00:00:02", hostname="srv-atlas-01"))
    with pytest.raises(ValidationError) as info:
        FleetSpec(net="10.0.0.0/24", gateway="10.0.0.2", seed="00" * 32, deckies=[one, two])
    text = str(info.value)
    assert "is the gateway" in text and "name d1 is also used by d1" in text
    assert "ip 10.0.0.2 is also used" in text and "hostname srv-atlas-01 is also used" in text
    outside = DeckySpec.model_validate(_decky(ip="10.1.0.2"))
    with pytest.raises(ValidationError, match="outside"):
        FleetSpec(net="10.0.0.0/24", gateway="10.0.0.1", seed="00" * 32, deckies=[outside])
    broadcast = DeckySpec.model_validate(_decky(ip="10.0.0.255"))
    with pytest.raises(ValidationError, match="broadcast"):
        FleetSpec(net="10.0.0.0/24", gateway="10.0.0.1", seed="00" * 32, deckies=[broadcast])
    fleet = FleetSpec(net="10.0.0.0/24", gateway="10.0.0.1", seed="00" * 32, deckies=[one])
    assert fleet.decky("d1") is one
    with pytest.raises(KeyError):
        fleet.decky("nope")
    assert ipaddress.IPv4Network(fleet.net).num_addresses == 256


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=24, max_value=30),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=0, max_value=255),
    st.sets(st.integers(min_value=0, max_value=255), max_size=20),
)
def test_allocation_property(prefix: int, count: int, gw_offset: int, excluded_offsets: set[int]) -> None:
    net = ipaddress.IPv4Network(f"172.16.0.0/{prefix}")
    gateway = net.network_address + gw_offset % net.num_addresses
    excluded = {str(net.network_address + o % net.num_addresses) for o in excluded_offsets}
    free = [a for a in net.hosts() if a != gateway and str(a) not in excluded]
    if count > len(free):
        with pytest.raises(AddressPoolExhausted):
            allocate_ips(net, count, gateway=gateway, exclude=excluded)
        return
    got = allocate_ips(net, count, gateway=gateway, exclude=excluded)
    assert got == [str(a) for a in free[:count]]


def test_exclude_is_bounded() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_address_set(["10.0.0.0/8"])


def test_decky_problems_are_reported_alongside_address_problems() -> None:
    from decnet.fleet.ini import parse_fleet_ini

    with pytest.raises(FleetConfigError) as info:
        parse_fleet_ini(
            "[general]\nnet = 10.0.0.0/24\n[a]\nservices = ssh\nip = 10.0.0.1\n"
            "[b]\nservices = ssh\nip = 10.0.0.9\nhostname = bad_name\n"
        )
    problems = info.value.problems
    assert any("[a] ip: 10.0.0.1 is the gateway" in p for p in problems)
    assert any("[b] hostname: 'bad_name' is not a valid hostname" in p for p in problems)


def test_shared_problems_are_reported_once() -> None:
    with pytest.raises(FleetConfigError) as info:
        plan_fleet(deckies=50, subnet="10.0.0.0/24", services="ssh,gopher")
    assert len(info.value.problems) == 1


def test_profile_without_archetype_uses_a_fitting_base_image() -> None:
    fleet = plan_fleet(deckies=20, subnet="10.11.0.0/24", services="smb", os_profile="windows_server")
    assert {d.distro for d in fleet.deckies} <= {"debian", "ubuntu22"}
    assert all(vendor_of(d.mac) is not None for d in fleet.deckies)


def test_randomized_pool_is_checked() -> None:
    with pytest.raises(FleetConfigError, match="--services: unknown service 'gopher'"):
        plan_fleet(deckies=2, subnet="10.0.0.0/24", services="ssh,gopher", randomize_services=True)
