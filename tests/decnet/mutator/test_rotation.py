"""The rotation rule: a new set of 1-3 services from the pool, identity kept, versions re-rolled in the distro."""

from __future__ import annotations

import pytest

from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.catalog.distros import DISTROS
from decnet.fleet.personas import derive_persona, patch_levels
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import CustomServiceSpec, DeckySpec
from decnet.mutator.rotation import MutationImpossible, rotate, runnable_services

ALL = {"ssh", "http", "https", "ftp", "mysql", "postgres", "redis", "smb", "rdp", "ldap", "vnc", "llmnr"}


def _deckies(archetype: str, n: int = 6) -> list[DeckySpec]:
    return plan_fleet(
        deckies=n, subnet="10.50.0.0/24", archetype=archetype, seed="5a" * 32, backend="local"
    ).deckies


@pytest.mark.parametrize("archetype", ["linux-server", "web-server", "windows-server", "windows-workstation"])
def test_rotation_draws_a_different_set_of_one_to_three_from_the_pool(archetype: str) -> None:
    pool = set(ARCHETYPES[archetype].pool) & ALL
    for spec in _deckies(archetype):
        current = spec
        for _ in range(8):
            new = rotate(current, ALL)
            assert set(new.services) != set(current.services)
            assert 1 <= len(new.services) <= 3
            assert set(new.services) <= pool
            assert len(set(new.services)) == len(new.services)
            for field in ("name", "ip", "mac", "hostname", "distro", "os_profile", "archetype", "seed"):
                assert getattr(new, field) == getattr(current, field)
            assert new.version_roll == current.version_roll + 1
            current = new


def test_rotation_is_limited_to_services_that_can_run_and_is_reproducible() -> None:
    spec = _deckies("linux-server", 1)[0]
    runnable = runnable_services()
    assert {"ssh", "http"} <= runnable
    for _ in range(5):
        new = rotate(spec)
        assert set(new.services) <= runnable
        assert rotate(spec) == new
        spec = new
    only = {"ssh", "http"}
    assert set(rotate(spec, only).services) <= only


def test_versions_are_re_rolled_within_the_distro_and_kernel_and_boot_stay() -> None:
    spec = plan_fleet(
        deckies=1,
        subnet="10.50.0.0/24",
        services="ssh,http",
        distros="ubuntu22",
        seed="02" * 32,
        backend="local",
    ).deckies[0]
    assert patch_levels(spec.seed_bytes)[0] < 0.1  # an old kernel: packages have room to move
    platform = DISTROS["ubuntu22"].platform
    servers = {s for h in platform.http for s in h.servers}
    first = derive_persona(spec)
    banners = {first.ssh_banner}
    current = spec
    for _ in range(12):
        current = rotate(current, ALL)
        persona = derive_persona(current)
        assert persona.ssh_banner in platform.ssh_banners
        assert persona.http_server in servers
        assert persona.distro_name in {r.pretty_name for r in platform.releases}
        assert (persona.kernel, persona.booted_at, persona.hostname, persona.mac) == (
            first.kernel,
            first.booted_at,
            first.hostname,
            first.mac,
        )
        banners.add(persona.ssh_banner)
    assert len(banners) > 1, "twelve re-rolls never changed the OpenSSH package version"


def test_custom_services_stay_and_config_of_dropped_services_goes() -> None:
    base = _deckies("web-server", 1)[0]
    data = base.model_dump()
    data.update(
        services=["http", "myapp"],
        service_config={"http": {"server_header": "nginx/1.18.0 (Ubuntu)"}},
        custom_services=[CustomServiceSpec(name="myapp", image="img:1", ports=[9999])],
    )
    spec = DeckySpec.model_validate(data)
    seen_without_http = False
    for _ in range(10):
        spec = rotate(spec, ALL)
        assert spec.services[-1] == "myapp"
        assert set(spec.service_config) <= set(spec.services)
        seen_without_http |= "http" not in spec.services
    assert seen_without_http


def test_a_pool_with_no_other_set_cannot_mutate() -> None:
    spec = _deckies("web-server", 1)[0]
    only_http = spec.model_copy(update={"services": ["http"]})
    with pytest.raises(MutationImpossible, match="no service set other than"):
        rotate(only_http, {"http"})
