"""Sniffer placement on a simulated two-bridge cluster (ray.cluster_utils.Cluster on this machine).

Each simulated node advertises ``decnet_bridge:<iface>`` for an interface this test creates
(veth pairs ``dsnd0``/``dsnp0`` and ``dsnd1``/``dsnp1``); the sniffers really capture there:
frames the test transmits on ``dsndN`` are seen by packet sockets on it. Removing a node leaves its sniffer
pending; when the node rejoins the sniffer comes back there and resumes its saved counters.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from ray.cluster_utils import Cluster

from cluster.bootstrap import advertised_bridges, ensure_worker, stop_worker
from cluster.health import ray_actors
from cluster.placement import actor_options, bridge_resource
from decnet.config import Settings
from tests.decnet.sniffer import frames

IFACES = ("dsnd0", "dsnd1")
GCS_PORT = 6421


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture(scope="module")
def bridges() -> Iterator[tuple[Cluster, dict[str, Any]]]:
    cluster: Cluster | None = None
    try:
        for iface in IFACES:
            subprocess.run(["ip", "link", "del", iface], capture_output=True, timeout=10)
            _ip("link", "add", iface, "type", "veth", "peer", "name", iface.replace("dsnd", "dsnp"))
            _ip("link", "set", iface, "up")
            _ip("link", "set", iface.replace("dsnd", "dsnp"), "up")
        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 1, "include_dashboard": False, "gcs_server_port": GCS_PORT},
        )
        nodes = {
            iface: cluster.add_node(num_cpus=1, resources={bridge_resource(iface): 1.0}) for iface in IFACES
        }
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, namespace="decnet", log_to_driver=False)
        yield cluster, nodes
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
        for iface in IFACES:
            subprocess.run(["ip", "link", "del", iface], capture_output=True, timeout=10)


def _inject(iface: str, count: int) -> None:
    """Transmit crafted SYNs on an interface (packet sockets there see them go out)."""
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
        sock.bind((iface, 0))
        for port in range(count):
            sock.send(frames.syn(dport=1000 + port))


def _node_of(name: str) -> str | None:
    return ray_actors().get(name, {}).get("node_id")


def _packets_after_inject(handle: Any, iface: str, at_least: int) -> dict[str, int]:
    deadline = time.monotonic() + 30
    while True:
        _inject(iface, 5)
        counters: dict[str, int] = ray.get(handle.flush.remote(), timeout=30)
        if counters.get("packets", 0) >= at_least:
            return counters
        assert time.monotonic() < deadline, f"sniffer on {iface} saw no packets: {counters}"
        time.sleep(0.2)


def test_embedded_sniffer_is_pinned_to_the_web_host() -> None:
    assert actor_options("sniffer", "br0")["resources"] == {"decnet_bridge:br0": 0.01}
    assert actor_options("sniffer", "br0", embed_with="web1")["resources"] == {"decnet_host:web1": 0.01}


@pytest.mark.timeout(240)
def test_sniffers_land_on_their_bridge_host_and_wait_for_it(
    bridges: tuple[Cluster, dict[str, Any]], tmp_path: Path
) -> None:
    cluster, nodes = bridges
    settings = Settings(data_dir=tmp_path / "data", log_target=f"file:{tmp_path / 'decnet.log'}")
    assert advertised_bridges() == list(IFACES)  # `decnet up` starts one sniffer per entry
    handles = {iface: ensure_worker("sniffer", settings, iface) for iface in IFACES}
    try:
        for iface, node in nodes.items():
            assert _node_of(f"sniffer:{iface}") == node.node_id
            health = ray.get(handles[iface].check_health.remote())
            assert health["ready"] and health["iface"] == iface
        before = _packets_after_inject(handles["dsnd1"], "dsnd1", 5)
        assert before["syn_fingerprints"] >= 5

        # dsnd1's host leaves: its sniffer cannot run anywhere else and waits.
        cluster.remove_node(nodes["dsnd1"])
        deadline = time.monotonic() + 60
        while ray_actors()["sniffer:dsnd1"]["state"] == "ALIVE":
            assert time.monotonic() < deadline, "sniffer:dsnd1 still alive after its host left"
            time.sleep(0.2)
        time.sleep(1)
        assert ray_actors()["sniffer:dsnd1"]["state"] in {
            "RESTARTING",
            "PENDING_CREATION",
            "DEPENDENCIES_UNREADY",
        }
        assert ray_actors()["sniffer:dsnd0"]["state"] == "ALIVE"

        # The host rejoins: the sniffer comes back there and resumes its counters.
        rejoined = cluster.add_node(num_cpus=1, resources={bridge_resource("dsnd1"): 1.0})
        assert ray.get(handles["dsnd1"].wait_ready.remote(60), timeout=120)
        assert _node_of("sniffer:dsnd1") == rejoined.node_id
        resumed = ray.get(handles["dsnd1"].counters.remote())
        assert resumed["packets"] >= before["packets"]
        after = _packets_after_inject(handles["dsnd1"], "dsnd1", before["packets"] + 5)
        assert after["syn_fingerprints"] > before["syn_fingerprints"]
        log = (tmp_path / "decnet.log").read_text("utf-8")
        assert " decnet.sniffer " in log and "capturing on dsnd1" in log  # RFC 5424 APP-NAME
    finally:
        for iface in IFACES:
            stop_worker("sniffer", iface)


@pytest.mark.timeout(120)
def test_a_sniffer_waits_for_its_interface(bridges: tuple[Cluster, dict[str, Any]], tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", log_target=f"file:{tmp_path / 'decnet.log'}")
    _ip("link", "del", "dsnd0")
    try:
        with pytest.raises(RuntimeError, match="dsnd0"):
            ensure_worker("sniffer", settings, "dsnd0", wait=3)
        handle = ensure_worker("sniffer", settings, "dsnd0", wait=0)
        with pytest.raises(RuntimeError, match="OSError"):
            ray.get(handle.check_health.remote(), timeout=30)
        _ip("link", "add", "dsnd0", "type", "veth", "peer", "name", "dsnp0")
        _ip("link", "set", "dsnd0", "up")
        _ip("link", "set", "dsnp0", "up")
        deadline = time.monotonic() + 30
        while True:  # it retries every few seconds and now captures
            with contextlib.suppress(RuntimeError):
                if ray.get(handle.check_health.remote(), timeout=30)["ready"]:
                    break
            assert time.monotonic() < deadline, "the sniffer did not start once its interface existed"
            time.sleep(0.5)
        assert ray.get(handle.wait_ready.remote(1), timeout=30)
        _packets_after_inject(handle, "dsnd0", 5)
    finally:
        stop_worker("sniffer", "dsnd0")
