"""System test: a planned fleet deployed with the netns backend on a private test LAN,
driven by real clients (curl, OpenSSH when the ssh service exists, nmap), events collected
by a real receiver; teardown leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.engine.deployer import FleetEngine
from decnet.engine.hairpin import hairpin_name
from decnet.engine.iproute import netns_list, run
from decnet.fleet.personas import derive_persona
from decnet.fleet.planner import plan_fleet
from tests.decnet.events.helpers import MemorySink, wait_for

from .conftest import curl, syn_ack_ttl, until_http

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the netns backend needs root")


async def test_netns_fleet_serves_http_as_its_persona_and_tears_down_clean(
    lan: tuple[str, int],
    collector: tuple[MemorySink, Path],
    tmp_path: Path,
) -> None:
    assert shutil.which("curl"), "curl is needed (make test installs it)"
    parent, n = lan
    sink, sock = collector
    settings = Settings(data_dir=tmp_path / "data", ingest_socket=sock)
    fleet = plan_fleet(
        deckies=2,
        subnet=f"10.213.{n}.0/24",
        ip_start=f"10.213.{n}.20",
        services="http",
        distros="ubuntu22,debian",
        backend="netns",
        interface=parent,
        seed="11" * 32,
        name_prefix=f"sys{n}",
    )
    windows = plan_fleet(
        deckies=1,
        subnet=f"10.213.{n}.0/24",
        ip_start=f"10.213.{n}.40",
        services="http",
        os_profile="windows",
        backend="netns",
        interface=parent,
        seed="12" * 32,
        name_prefix=f"win{n}",
    )
    engine = FleetEngine(settings, "netns", parent)
    try:
        statuses = await asyncio.to_thread(engine.deploy, fleet, hairpin_ip=f"10.213.{n}.2")
        statuses += await asyncio.to_thread(engine.deploy, windows)
        assert [s.state for s in statuses] == ["running", "running", "running"]
        win = windows.deckies[0]
        page = await until_http(win.ip)
        assert "Server: Microsoft-IIS/" in page
        # TTL on the wire follows the OS profile: 128 for windows, 64 for linux.
        hairpin = hairpin_name(parent)
        for spec, ttl in ((win, 128), (fleet.deckies[0], 64)):
            assert syn_ack_ttl(hairpin, spec.mac, spec.ip, 80) == ttl
        personas = [derive_persona(spec) for spec in fleet.deckies]
        assert len({p.mac for p in personas}) == 2 and len({p.hostname for p in personas}) == 2
        for spec, persona in zip(fleet.deckies, personas, strict=True):
            page = await until_http(spec.ip)
            assert f"Server: {persona.http_server}" in page
            link = run("ip", "-n", f"decnet-{spec.name}", "-o", "link", "show", "dev", "eth0").stdout
            assert spec.mac in link
        form = await curl("-d", "log=admin&pwd=hunter2", f"http://{fleet.deckies[0].ip}/wp-login.php")
        assert form[0] == 0
        await wait_for(
            lambda: any(e.event_type == "request" and e.decky == fleet.deckies[1].name for e in sink.events.values()),
            timeout=15,
            what="request events from the second decky",
        )
        requests = [e for e in sink.events.values() if e.event_type == "request"]
        assert {e.decky for e in requests} == {spec.name for spec in fleet.deckies} | {win.name}
        assert all(e.src_ip == f"10.213.{n}.2" for e in requests)
        assert [s.state for s in engine.status()] == ["running"] * 3
    finally:
        removed = await asyncio.to_thread(engine.teardown)
    assert sorted(removed) == sorted([spec.name for spec in fleet.deckies] + [win.name])
    assert not [ns for ns in netns_list() if ns.startswith((f"decnet-sys{n}", f"decnet-win{n}"))]
    links = run("ip", "-o", "link", "show").stdout
    assert "dnhp" not in links and "dnm" not in links
    assert engine.status() == []
