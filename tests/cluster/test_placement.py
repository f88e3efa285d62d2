"""Placement on a simulated multi-node cluster (ray.cluster_utils.Cluster on this machine):
per-host workers land on their host, wait while it is gone and resume when it rejoins."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from ray.cluster_utils import Cluster

from cluster.bootstrap import ensure_worker, stop_worker
from cluster.health import ray_actors
from cluster.placement import actor_name, actor_options, host_resource
from decnet.config import Settings


def test_options_pin_per_host_workers_and_float_the_rest() -> None:
    collector = actor_options("collector", "alpha")
    assert collector["resources"] == {"decnet_host:alpha": 0.01}
    assert collector["name"] == "collector:alpha" and collector["namespace"] == "decnet"
    assert collector["lifetime"] == "detached" and collector["get_if_exists"] is True
    assert collector["max_restarts"] == -1 and collector["num_cpus"] == 0
    assert actor_options("sniffer", "br0")["resources"] == {"decnet_bridge:br0": 0.01}
    assert "resources" not in actor_options("correlator")
    assert actor_options("profiler", embed_with="web1")["resources"] == {"decnet_host:web1": 0.01}
    with pytest.raises(ValueError):
        actor_name("collector")


@pytest.fixture(scope="module")
def two_hosts() -> Iterator[tuple[Cluster, dict[str, Any]]]:
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    nodes = {
        host: cluster.add_node(num_cpus=1, resources={host_resource(host): 1.0})
        for host in ("alpha", "bravo")
    }
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, namespace="decnet", log_to_driver=False)
    try:
        yield cluster, nodes
    finally:
        ray.shutdown()
        cluster.shutdown()


def _settings(tmp_path: Path, host: str) -> Settings:
    # Simulated nodes share this machine's filesystem: one socket per host.
    return Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / host / "ingest.sock",
        log_target=f"file:{tmp_path / f'{host}.log'}",
    )


def _node_of(name: str) -> str | None:
    return ray_actors().get(name, {}).get("node_id")


@pytest.mark.timeout(240)
def test_collectors_land_on_their_host_and_wait_for_it(
    two_hosts: tuple[Cluster, dict[str, Any]], tmp_path: Path
) -> None:
    cluster, nodes = two_hosts
    handles = {
        host: ensure_worker("collector", _settings(tmp_path, host), host) for host in ("alpha", "bravo")
    }
    try:
        for host, node in nodes.items():
            assert _node_of(f"collector:{host}") == node.node_id
        # bravo's host goes away: its collector cannot run anywhere else and waits.
        cluster.remove_node(nodes["bravo"])
        deadline = time.monotonic() + 60
        while ray_actors()["collector:bravo"]["state"] == "ALIVE":
            assert time.monotonic() < deadline, "collector:bravo still alive after its host left"
            time.sleep(0.2)
        assert ray_actors()["collector:bravo"]["state"] in {
            "RESTARTING",
            "PENDING_CREATION",
            "DEPENDENCIES_UNREADY",
        }
        assert ray_actors()["collector:alpha"]["state"] == "ALIVE"
        # The host rejoins: the collector comes back there, by itself.
        rejoined = cluster.add_node(num_cpus=1, resources={host_resource("bravo"): 1.0})
        assert ray.get(handles["bravo"].wait_ready.remote(60), timeout=120)
        assert _node_of("collector:bravo") == rejoined.node_id
        assert ray.get(handles["bravo"].check_health.remote())["ready"]
    finally:
        for host in ("alpha", "bravo"):
            stop_worker("collector", host)


@ray.remote
class _Floating:
    """A stand-in with a floating worker's options (the correlator itself arrives with its issue)."""

    def node(self) -> str:
        return str(ray.get_runtime_context().get_node_id())


@pytest.mark.timeout(240)
def test_a_floating_worker_moves_when_its_node_leaves(two_hosts: tuple[Cluster, dict[str, Any]]) -> None:
    cluster, _ = two_hosts
    # Two spare nodes; a small "spare" resource only keeps the worker off the head node, which
    # cannot leave. Apart from that the options are a floating worker's (no host resource).
    spares = [cluster.add_node(num_cpus=1, resources={"spare": 1.0}) for _ in range(2)]
    cluster.wait_for_nodes()
    options = actor_options("correlator")
    options["name"] = "correlator-placement-test"
    options["resources"] = {"spare": 0.01}
    worker = _Floating.options(**options).remote()
    try:
        first = ray.get(worker.node.remote(), timeout=60)
        leaving = next(node for node in spares if node.node_id == first)
        cluster.remove_node(leaving)
        deadline = time.monotonic() + 120
        while True:
            try:
                now = ray.get(worker.node.remote(), timeout=30)
                if now != first:
                    break
            except ray.exceptions.RayActorError:
                pass
            assert time.monotonic() < deadline, "the floating worker did not move"
            time.sleep(0.5)
        remaining = next(node for node in spares if node is not leaving)
        assert now == remaining.node_id
    finally:
        ray.kill(worker, no_restart=True)
