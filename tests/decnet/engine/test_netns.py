"""The netns backend on a private test LAN (a veth pair as macvlan parent), as root."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from decnet.engine.base import BackendError, BackendUnavailable, DeckyNetwork
from decnet.engine.hairpin import ensure_hairpin, remove_hairpin
from decnet.engine.iproute import link_exists, netns_list, run
from decnet.engine.netns import NetnsBackend, netns_name

from .conftest import syn_ack_ttl

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the netns backend needs root")

SUBNET = "10.213.{n}.0/24"

# A stand-in for the decky runtime: accept TCP on the decky's IP and say who we are.
ECHO = (
    "import socket,sys\n"
    "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind((sys.argv[1], 2222)); s.listen()\n"
    "while True:\n"
    "    c,_=s.accept(); c.sendall(sys.argv[2].encode()); c.close()\n"
)


def _wait_banner(ip: str, timeout: float = 10.0) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((ip, 2222), timeout=1) as conn:
                return conn.recv(100)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_two_deckies_reachable_with_their_own_identity_and_torn_down_cleanly(
    lan: tuple[str, int], tmp_path: Path
) -> None:
    parent, n = lan
    backend = NetnsBackend(parent, tmp_path / "state")
    backend.check()
    hairpin = ensure_hairpin(parent, f"10.213.{n}.2", 24)
    nets = [
        DeckyNetwork(
            f"t{n}-lin",
            f"10.213.{n}.10",
            24,
            f"10.213.{n}.1",
            "00:50:56:0a:00:01",
            {"net.ipv4.ip_default_ttl": 64},
        ),
        DeckyNetwork(
            f"t{n}-win",
            f"10.213.{n}.11",
            24,
            None,
            "00:15:5d:0a:00:02",
            {"net.ipv4.ip_default_ttl": 128, "net.ipv4.tcp_timestamps": 1},
        ),
    ]
    try:
        for net in nets:
            status = backend.deploy(
                net, [sys.executable, "-c", ECHO, net.ip, net.name], tmp_path / f"{net.name}.log"
            )
            assert status.state == "running"
        for net in nets:
            assert _wait_banner(net.ip) == net.name.encode()
            ns = netns_name(net.name)
            link = run("ip", "-n", ns, "-o", "link", "show", "dev", "eth0").stdout
            assert net.mac in link
            ttl = run("ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv4.ip_default_ttl").stdout.strip()
            assert ttl == str(net.sysctls["net.ipv4.ip_default_ttl"])
            assert backend.status(net.name).state == "running"
        # The TTL on the wire follows the profile: a SYN-ACK from each decky.
        for net in nets:
            assert syn_ack_ttl(hairpin, net.mac, net.ip, 2222) == net.sysctls["net.ipv4.ip_default_ttl"]
        with pytest.raises(BackendError, match="already deployed"):
            backend.deploy(nets[0], [sys.executable, "-c", "pass"], tmp_path / "x.log")
    finally:
        for net in nets:
            backend.teardown(net.name)
        remove_hairpin(parent)
    for net in nets:
        assert netns_name(net.name) not in netns_list()
        assert backend.status(net.name).state == "missing"
    assert not link_exists(hairpin)
    assert backend.deployed() == []
    leftovers = run("ip", "-o", "link", "show").stdout
    assert "dnm" not in leftovers and "dnhp" not in leftovers
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(int(p)).count(ECHO[:20])]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_a_failing_deploy_leaves_nothing_behind(lan: tuple[str, int], tmp_path: Path) -> None:
    parent, n = lan
    backend = NetnsBackend(parent, tmp_path / "state")
    net = DeckyNetwork(f"t{n}-bad", f"10.213.{n}.12", 24, "10.99.99.1", "00:50:56:0a:00:03")
    with pytest.raises(BackendError, match="route"):
        backend.deploy(net, [sys.executable, "-c", "pass"], tmp_path / "bad.log")  # gateway off-subnet
    assert netns_name(net.name) not in netns_list()
    assert "dnm" not in run("ip", "-o", "link", "show").stdout
    assert backend.deployed() == []


def test_missing_parent_interface_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="does not exist"):
        NetnsBackend("nosuchif0", tmp_path).check()


def test_bad_identity_is_refused() -> None:
    with pytest.raises(BackendError):
        DeckyNetwork("bad name", "10.0.0.1", 24, None, "00:50:56:00:00:01")
    with pytest.raises(BackendError):
        DeckyNetwork("ok", "10.0.0.1", 24, None, "00:50:56:00:00:01", {"kernel.hostname": 1})
    with pytest.raises(ValueError):
        DeckyNetwork("ok", "10.0.0.300", 24, None, "00:50:56:00:00:01")


def test_ipvlan_needs_a_kernel_that_has_it(lan: tuple[str, int], tmp_path: Path) -> None:
    parent, _ = lan
    probe = run(
        "ip", "link", "add", "link", parent, "name", "dnipvchk", "type", "ipvlan", "mode", "l2", check=False
    )
    if probe.returncode == 0:
        run("ip", "link", "del", "dnipvchk")
        NetnsBackend(parent, tmp_path, link_kind="ipvlan").check()  # this kernel has it: no error
        return
    with pytest.raises(BackendUnavailable, match="drop --ipvlan"):
        NetnsBackend(parent, tmp_path, link_kind="ipvlan").check()
