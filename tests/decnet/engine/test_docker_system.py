"""System test: the docker backend on a private test LAN (veth parent + macvlan network).

Images are built locally (debootstrap + docker import, then an offline wheelhouse); the first
run on a machine takes about a minute, later runs reuse them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.engine.deployer import FleetEngine
from decnet.engine.iproute import run
from decnet.fleet.personas import derive_persona
from decnet.fleet.planner import plan_fleet
from tests.decnet.events.helpers import MemorySink, wait_for

from .conftest import curl, until_http

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the docker backend system test needs root")


def _docker_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    return run("docker", "info", check=False).returncode == 0


@pytest.mark.timeout(600)
async def test_docker_fleet_hardened_containers_serve_as_their_persona(
    lan: tuple[str, int],
    collector: tuple[MemorySink, Path],
    tmp_path: Path,
) -> None:
    if not _docker_ready():
        pytest.skip("no Docker engine (make test starts dockerd)")
    parent, n = lan
    sink, sock = collector
    settings = Settings(data_dir=Path("/var/cache/decnet-test"), ingest_socket=sock)
    fleet = plan_fleet(
        deckies=2,
        subnet=f"10.214.{n}.0/24",
        ip_start=f"10.214.{n}.20",
        services="http",
        distros="debian,rocky9",
        backend="docker",
        interface=parent,
        seed="44" * 32,
        name_prefix=f"dk{n}",
    )
    engine = FleetEngine(settings, "docker", parent)
    engine.root = tmp_path / "deckies"
    try:
        statuses = await asyncio.to_thread(engine.deploy, fleet, hairpin_ip=f"10.214.{n}.2")
        assert [s.state for s in statuses] == ["running", "running"]
        import docker

        client = docker.from_env()
        for spec in fleet.deckies:
            persona = derive_persona(spec)
            page = await until_http(spec.ip, timeout=60)
            assert f"Server: {persona.http_server}" in page
            attrs = client.containers.get(f"decnet-{spec.name}").attrs
            host = attrs["HostConfig"]
            assert host["CapDrop"] == ["ALL"] and host["ReadonlyRootfs"] is True
            assert "no-new-privileges" in host["SecurityOpt"]
            assert host["Memory"] == 128 * 1024 * 1024 and host["PidsLimit"] == 128
            assert attrs["Config"]["Hostname"] == persona.hostname
            assert attrs["NetworkSettings"]["Networks"][f"decnet-{parent}"]["MacAddress"] == spec.mac
            assert attrs["Config"]["Labels"]["decnet.owned"] == "1"
        await curl("-u", "admin:s3cret", f"http://{fleet.deckies[0].ip}/")
        await wait_for(
            lambda: (
                {e.decky for e in sink.events.values() if e.event_type == "request"}
                == {s.name for s in fleet.deckies}
            ),
            timeout=30,
            what="request events from both containers",
        )
        await wait_for(  # the Basic credentials of the curl above (its events may still be in flight)
            lambda: any(
                e.event_type == "auth" and e.fields.get("password") == "s3cret" for e in sink.events.values()
            ),
            timeout=30,
            what="the Basic credentials in an auth event",
        )
    finally:
        await asyncio.to_thread(engine.teardown)
    import docker

    client = docker.from_env()
    assert not [c for c in client.containers.list(all=True) if c.name.startswith(f"decnet-dk{n}")]
    assert f"decnet-{parent}" not in [net.name for net in client.networks.list()]
    assert "dnhp" not in run("ip", "-o", "link", "show").stdout


@pytest.mark.timeout(600)
async def test_bring_your_own_service_shares_the_decky_and_its_output_reaches_the_collector(
    lan: tuple[str, int],
    collector: tuple[MemorySink, Path],
    tmp_path: Path,
) -> None:
    if not _docker_ready():
        pytest.skip("no Docker engine (make test starts dockerd)")
    from decnet.fleet.ini import parse_fleet_ini

    parent, n = lan
    sink, sock = collector
    settings = Settings(data_dir=Path("/var/cache/decnet-test"), ingest_socket=sock)
    fleet = parse_fleet_ini(
        f"""
[general]
net = 10.215.{n}.0/24
gw = 10.215.{n}.1

[byo{n}]
ip = 10.215.{n}.30
services = http, web

[custom-web]
image = decnet/base:bookworm
exec = python3 -u -m http.server 9999
ports = 9999
""",
        backend="docker",
        interface=parent,
        seed="55" * 32,
    )
    engine = FleetEngine(settings, "docker", parent)
    engine.root = tmp_path / "deckies"
    decky = fleet.deckies[0]
    try:
        await asyncio.to_thread(engine.deploy, fleet, hairpin_ip=f"10.215.{n}.2")
        await until_http(decky.ip, timeout=60)  # the runtime's http on port 80
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while True:  # the custom container answers on the decky's own address
            code, out = await curl(f"http://{decky.ip}:9999/")
            if code == 0 and "Directory listing" in out:
                break
            assert loop.time() < deadline, f"custom service never answered: {code} {out[:200]}"
            await asyncio.sleep(0.3)
        await wait_for(
            lambda: any(
                e.service == "custom-web" and e.event_type == "output" and "GET / HTTP" in e.message
                for e in sink.events.values()
            ),
            timeout=30,
            what="the custom service's output as events",
        )
    finally:
        await asyncio.to_thread(engine.teardown)
    import docker

    client = docker.from_env()
    assert not [c for c in client.containers.list(all=True) if c.name.startswith(f"decnet-byo{n}")]
    assert not list((Path("/var/cache/decnet-test") / "engine" / "docker").glob(f"decnet-byo{n}*"))
