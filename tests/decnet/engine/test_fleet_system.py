"""System test: a planned fleet deployed with the netns backend on a private test LAN,
driven by real clients (curl, OpenSSH when the ssh service exists, nmap), events collected
by a real receiver; teardown leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
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
            lambda: any(
                e.event_type == "auth"
                and e.fields.get("password") == "hunter2"
                and e.fields.get("username") == "admin"
                for e in sink.events.values()
            ),
            timeout=15,
            what="the login form's credentials as an auth event",
        )
        await wait_for(
            lambda: any(
                e.event_type == "request" and e.decky == fleet.deckies[1].name for e in sink.events.values()
            ),
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
    assert not _runtimes_under(tmp_path), "decky runtime processes left behind"


def _runtimes_under(path: Path) -> list[int]:
    """PIDs of decky runtimes whose config lies under ``path``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"decnet.decky" in cmdline and any(str(path).encode() in arg for arg in cmdline):
            found.append(int(entry.name))
    return found


def _ssh(password: str, user: str, ip: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "sshpass",
            "-p",
            password,
            "ssh",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "NumberOfPasswordPrompts=1",
            f"{user}@{ip}",
            *command,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", ["netns", "docker"])
async def test_fleet_fools_openssh_nmap_and_ttl_probes(
    backend: str,
    lan: tuple[str, int],
    collector: tuple[MemorySink, Path],
    tmp_path: Path,
) -> None:
    for tool in ("ssh", "sshpass", "nmap", "ssh-keyscan"):
        assert shutil.which(tool), f"{tool} is needed (make test installs it)"
    if backend == "docker" and run("docker", "info", check=False).returncode != 0:
        pytest.skip("no Docker engine (make test starts dockerd)")
    from decnet.fleet.ini import parse_fleet_ini

    parent, n = lan
    sink, sock = collector
    a, b, w = f"s{n}a", f"s{n}b", f"s{n}w"
    fleet = parse_fleet_ini(
        f"""
[general]
net = 10.217.{n}.0/24
gw = 10.217.{n}.1

[{a}]
ip = 10.217.{n}.10
services = ssh, http
distro = ubuntu22

[{a}.ssh]
users = ubuntu:ubuntu123

[{b}]
ip = 10.217.{n}.11
services = ssh, http
distro = debian

[{w}]
ip = 10.217.{n}.12
services = http
os = windows
""",
        backend=backend,
        interface=parent,
        seed="66" * 32,
    )
    data_dir = Path("/var/cache/decnet-test") if backend == "docker" else tmp_path / "data"  # images cache
    settings = Settings(data_dir=data_dir, ingest_socket=sock)
    engine = FleetEngine(settings, backend, parent)  # type: ignore[arg-type]
    engine.root = tmp_path / "deckies"
    da, db, dw = fleet.deckies
    pa = derive_persona(da)
    try:
        await asyncio.to_thread(engine.deploy, fleet, hairpin_ip=f"10.217.{n}.2")
        for spec in fleet.deckies:
            await until_http(spec.ip, timeout=60)
        # A wrong password fails, and the attempt is captured with the password.
        failed = await asyncio.to_thread(_ssh, "letmein", "root", da.ip, "id")
        assert failed.returncode != 0
        await wait_for(
            lambda: any(
                e.event_type == "auth" and e.fields.get("password") == "letmein" and e.decky == a
                for e in sink.events.values()
            ),
            timeout=15,
            what="the failed password as an auth event",
        )
        # The configured account logs in; its commands answer as the persona and are events.
        ok = await asyncio.to_thread(
            _ssh, "ubuntu123", "ubuntu", da.ip, "uname -a; whoami; cat /etc/os-release"
        )
        assert ok.returncode == 0, ok.stderr
        assert pa.kernel in ok.stdout and pa.hostname in ok.stdout and "ubuntu" in ok.stdout
        assert pa.distro_name in ok.stdout
        await wait_for(
            lambda: any(
                e.event_type == "command" and "uname -a" in e.fields.get("command", "")
                for e in sink.events.values()
            ),
            timeout=15,
            what="the commands as events",
        )
        # nmap -sV names the distro's OpenSSH and the persona's web server, never Python or a honeypot.
        nmap = await asyncio.to_thread(
            subprocess.run,
            ["nmap", "-sV", "-Pn", "-n", "-p", "22,80", "--version-light", da.ip, db.ip],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        report = nmap.stdout
        assert "OpenSSH" in report, report
        openssh = pa.ssh_banner.split("_", 1)[1].split(" ")[0]  # e.g. 8.9p1
        assert openssh in report, report
        assert ("Ubuntu" in report) and ("Debian" in report), report
        web = {"nginx": "nginx", "apache": "Apache httpd"}[pa.http_flavour]
        assert web in report, report
        for giveaway in ("Python", "python", "honeypot", "asyncssh", "AsyncSSH", "BaseHTTP"):
            assert giveaway not in report, report
        # Two deckies, two host keys.
        keyscans = [
            await asyncio.to_thread(
                subprocess.run,
                ["ssh-keyscan", "-T", "5", "-t", "ed25519", ip],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            for ip in (da.ip, db.ip)
        ]
        keys = [scan.stdout.split()[-1] for scan in keyscans]
        assert keys[0] != keys[1]
        assert len({d.mac for d in fleet.deckies}) == 3 and len({d.hostname for d in fleet.deckies}) == 3
        # The OS profile shows on the wire: TTL 128 for the windows decky, 64 for linux.
        hairpin = hairpin_name(parent)
        assert syn_ack_ttl(hairpin, dw.mac, dw.ip, 80) == 128
        assert syn_ack_ttl(hairpin, da.mac, da.ip, 22) == 64
    finally:
        await asyncio.to_thread(engine.teardown)
    assert not [ns for ns in netns_list() if ns.startswith((f"decnet-{a}", f"decnet-{b}", f"decnet-{w}"))]
    assert engine.status() == []
