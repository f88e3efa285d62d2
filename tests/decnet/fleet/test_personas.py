"""Personas: stable, distinct, coherent with their OS family, JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.fleet.catalog import ARCHETYPES, DISTROS, OS_PROFILES, vendor_of
from decnet.fleet.persona import Persona
from decnet.fleet.personas import (
    banner_os_families,
    boot_time,
    derive_persona,
    incoherent_banners,
    patch_levels,
    persona_from_dict,
    persona_os_release,
    persona_to_dict,
)
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import DeckySpec

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def spec(**overrides: object) -> DeckySpec:
    base: dict[str, object] = {
        "name": "decky-01",
        "ip": "10.0.0.2",
        "mac": "00:50:56:12:34:56",
        "hostname": "SRV-ATLAS-01",
        "distro": "ubuntu22",
        "os_profile": "linux",
        "services": ["ssh", "http"],
        "seed": "5a" * 32,
    }
    base.update(overrides)
    return DeckySpec.model_validate(base)


def test_stable_across_calls_and_restarts() -> None:
    s = spec()
    first = derive_persona(s, now=NOW)
    assert derive_persona(s, now=NOW) == first
    assert (
        derive_persona(DeckySpec.model_validate_json(s.model_dump_json()), now=NOW + timedelta(hours=6))
        == first
    )
    assert first.decky == "decky-01" and first.hostname == "SRV-ATLAS-01"
    assert (
        first.ip == "10.0.0.2" and first.mac == "00:50:56:12:34:56" and first.seed == bytes.fromhex("5a" * 32)
    )


def test_ubuntu_persona_is_ubuntu_everywhere() -> None:
    p = derive_persona(spec(), now=NOW)
    assert p.os_family == "linux" and p.distro == "ubuntu22" and p.distro_name.startswith("Ubuntu 22.04")
    assert p.ssh_banner.startswith("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.")
    assert p.kernel.endswith("-generic") and p.arch == "x86_64"
    assert p.http_server in ("nginx/1.18.0 (Ubuntu)", "Apache/2.4.52 (Ubuntu)")
    assert p.http_flavour == ("nginx" if p.http_server.startswith("nginx") else "apache")
    assert p.ssh_auth_fail_delay_s == pytest.approx(2.0)
    assert p.version_of("mysql").endswith("ubuntu0.22.04.1") or "ubuntu0.22.04" in p.version_of("mysql")
    assert p.version_of("redis") == "6.0.16"
    assert persona_os_release(p)["VERSION_CODENAME"] == "jammy"


def test_vmware_mac_gives_a_vm_sized_machine() -> None:
    p = derive_persona(spec(), now=NOW)
    assert p.cpu_count <= 8 and p.mem_total_kb < 16 * 1024 * 1024
    assert "Xeon" in p.cpu_model or "EPYC" in p.cpu_model


def test_windows_persona() -> None:
    p = derive_persona(
        spec(
            os_profile="windows_server",
            archetype="domain-controller",
            services=["ldap", "smb"],
            mac="00:15:5d:01:02:03",
        ),
        now=NOW,
    )
    assert p.os_family == "windows" and p.http_flavour == "iis" and p.http_server == "Microsoft-IIS/10.0"
    assert p.ssh_banner.startswith("SSH-2.0-OpenSSH_for_Windows_")
    assert p.distro_name.startswith("Windows Server 20")
    assert p.kernel.split(".")[2] == p.version_of("windows_build")
    assert f"Build {p.version_of('windows_build')}" in p.version_of("sysdescr")
    assert p.ssh_auth_fail_delay_s == 0.0 and persona_os_release(p) == {}


def test_hp_printer_is_an_hp_printer() -> None:
    p = derive_persona(
        spec(
            os_profile="embedded",
            archetype="printer",
            services=["snmp"],
            mac="3c:d9:2b:aa:bb:cc",
            distro="alpine",
        ),
        now=NOW,
    )
    assert p.os_family == "embedded" and p.distro_name.startswith("HP LaserJet")
    assert p.http_server.startswith("HP HTTP Server;") and p.version_of("serial") in p.http_server
    assert p.arch == "armv7l" and p.mem_total_kb < 1024 * 1024


def test_plc_by_vendor() -> None:
    p = derive_persona(
        spec(
            os_profile="embedded", archetype="industrial-control", services=["ics"], mac="00:80:f4:00:00:01"
        ),
        now=NOW,
    )
    assert p.version_of("ics_vendor") == "Schneider Electric" and p.kernel in p.version_of("sysdescr")


def test_server_header_from_the_http_config() -> None:
    p = derive_persona(spec(service_config={"http": {"server_header": "Apache/2.4.52 (Ubuntu)"}}), now=NOW)
    assert p.http_server == "Apache/2.4.52 (Ubuntu)" and p.http_flavour == "apache"


def test_version_roll_rerolls_versions_but_keeps_kernel_and_boot() -> None:
    base = derive_persona(spec(distro="debian"), now=NOW)
    rolled = [derive_persona(spec(distro="debian", version_roll=r), now=NOW) for r in range(1, 12)]
    assert all(p.kernel == base.kernel and p.booted_at == base.booted_at for p in rolled)
    assert any(p.ssh_banner != base.ssh_banner or p.versions != base.versions for p in rolled)
    for p in rolled:
        assert p.ssh_banner in DISTROS["debian"].platform.ssh_banners


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(min_value=0, max_value=50))
def test_packages_never_older_than_the_kernel(seed: bytes, roll: int) -> None:
    kernel, packages = patch_levels(seed, roll)
    assert 0.0 <= kernel <= packages < 1.0


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(min_value=0, max_value=3 * 365 * 24))
def test_uptime_between_3_and_200_days(seed: bytes, hours: int) -> None:
    now = NOW + timedelta(hours=hours)
    booted = boot_time(seed, now)
    assert timedelta(days=3) <= now - booted < timedelta(days=200)
    assert booted.tzinfo is not None


def test_boot_time_only_moves_at_a_reboot() -> None:
    seed = bytes(range(32))
    seen = [boot_time(seed, NOW + timedelta(days=d)) for d in range(0, 500)]
    assert seen == sorted(seen)
    assert 2 <= len(set(seen)) <= 500 // 30 + 2


@settings(max_examples=40, deadline=None)
@given(
    st.binary(min_size=32, max_size=32),
    st.sampled_from(sorted(OS_PROFILES)),
    st.sampled_from(sorted(DISTROS)),
    st.sampled_from([None, *sorted(ARCHETYPES)]),
)
def test_every_banner_names_the_profile_family(
    seed: bytes, profile: str, distro: str, archetype: str | None
) -> None:
    decky = spec(seed=seed.hex(), os_profile=profile, distro=distro, archetype=archetype)
    p = derive_persona(decky, now=NOW)
    assert p.os_family == OS_PROFILES[profile].os_family
    assert incoherent_banners(p) == {}
    assert banner_os_families(p.ssh_banner) <= {p.os_family}
    assert persona_from_dict(json.loads(json.dumps(persona_to_dict(p)))) == p


@pytest.mark.parametrize("archetype", sorted(ARCHETYPES))
def test_planned_fleets_are_coherent_and_distinct(archetype: str) -> None:
    fleet = plan_fleet(deckies=12, subnet="10.50.0.0/24", archetype=archetype, seed=archetype)
    personas = [derive_persona(d, now=NOW) for d in fleet.deckies]
    for p, d in zip(personas, fleet.deckies, strict=True):
        assert incoherent_banners(p) == {}, (p.decky, incoherent_banners(p))
        vendor = vendor_of(p.mac)
        assert vendor is not None
        assert p.os_profile == ARCHETYPES[archetype].os_profile == d.os_profile
    assert len({p.booted_at for p in personas}) == len(personas)
    assert len({(p.hostname, p.mac, p.ip, p.seed) for p in personas}) == len(personas)


def test_banner_families() -> None:
    assert banner_os_families("nginx/1.18.0 (Ubuntu)") == {"linux"}
    assert banner_os_families("Apache/2.4.57 (Rocky Linux)") == {"linux"}
    assert banner_os_families("Microsoft-IIS/10.0") == {"windows"}
    assert banner_os_families("SSH-2.0-OpenSSH_for_Windows_8.1") == {"windows"}
    assert banner_os_families("SSH-2.0-OpenSSH_9.6 FreeBSD-20240104") == {"bsd"}
    assert banner_os_families("SSH-2.0-dropbear_2022.82") == {"embedded"}
    assert banner_os_families("SSH-2.0-Cisco-1.25") == {"cisco"}
    assert banner_os_families("nginx/1.22.1") == set()
    assert banner_os_families("3.10.0-1160.el7.x86_64") == {"linux"}


def test_dict_round_trip_and_errors() -> None:
    p = derive_persona(spec(), now=NOW)
    data = persona_to_dict(p)
    assert data["seed"] == "5a" * 32 and data["booted_at"].endswith("+00:00")
    assert isinstance(data["versions"], dict)
    assert persona_from_dict(json.loads(json.dumps(data))) == p
    with pytest.raises(ValueError, match="missing"):
        persona_from_dict({k: v for k, v in data.items() if k != "kernel"})
    with pytest.raises(ValueError, match="unknown"):
        persona_from_dict({**data, "colour": "red"})
    with pytest.raises(ValueError, match="time zone"):
        persona_from_dict({**data, "booted_at": "2026-01-01T00:00:00"})
    with pytest.raises(ValueError, match="cpu_count must be a number"):
        persona_from_dict({**data, "cpu_count": "4"})
    with pytest.raises(ValueError, match="versions"):
        persona_from_dict({**data, "versions": {"a": 1}})
    with pytest.raises(ValueError, match="hostname must be a string"):
        persona_from_dict({**data, "hostname": 7})
    assert isinstance(persona_from_dict({**data, "ssh_auth_fail_delay_s": 2}).ssh_auth_fail_delay_s, float)
    assert isinstance(p, Persona)
