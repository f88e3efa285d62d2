"""Joining the cluster and making sure each worker exists (exactly once).

Every path that starts a worker goes through :func:`ensure_worker`: named, detached actors
created with ``get_if_exists=True``, so asking twice never makes a second copy.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from typing import Any

import ray

from cluster.placement import NAMESPACE, WORKERS, actor_name, actor_options
from decnet.config import Settings


def connect(address: str | None = None, *, node_ip: str | None = None) -> None:
    """Join the cluster at ``address`` ("auto" for the local one) in the ``decnet`` namespace.

    ``node_ip`` is this host's Ray node address; by default the address's own host when it
    is a loopback one (a local head), else whatever Ray detects.
    """
    if ray.is_initialized():
        return
    target = address or "auto"
    if node_ip is None and target.startswith(("127.", "localhost")):
        node_ip = target.rsplit(":", 1)[0]
    ray.init(
        address=target,
        namespace=NAMESPACE,
        log_to_driver=False,
        logging_level=logging.WARNING,
        _node_ip_address=node_ip,
    )


def settings_payload(settings: Settings) -> dict[str, Any]:
    """The driver's effective settings, handed to actors so they agree with it exactly."""
    return settings.model_dump()


#: The actor class of each worker kind, as "module:Class" (imported when first needed).
ACTOR_CLASSES: dict[str, str] = {
    "collector": "actors.collector:CollectorActor",
    "fleet_agent": "actors.fleet_agent:FleetAgentActor",
    "prober": "actors.prober:ProberActor",
    "mutator": "actors.mutator:MutatorActor",
    "sniffer": "actors.sniffer:SnifferActor",
    "correlator": "actors.correlator:CorrelatorActor",
    "profiler": "actors.profiler:ProfilerActor",
}


def floating_workers() -> list[str]:
    """The floating worker kinds that have an actor (``decnet up`` starts each once)."""
    return [kind for kind in ACTOR_CLASSES if WORKERS[kind].scope == "floating"]


def advertised_bridges() -> list[str]:
    """Interfaces some node advertises as ``decnet_bridge:<iface>`` (``decnet up`` gives each a sniffer)."""
    prefix = "decnet_bridge:"
    resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
    return sorted(key[len(prefix) :] for key in resources if key.startswith(prefix))


def _actor_class(kind: str) -> Any:
    if kind not in ACTOR_CLASSES:
        raise KeyError(f"no actor for worker {kind!r} yet")
    module, _, name = ACTOR_CLASSES[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def ensure_worker(
    kind: str,
    settings: Settings,
    where: str | None = None,
    *,
    wait: float = 60.0,
    embed_with: str | None = None,
) -> Any:
    """The worker's actor, created if it does not exist, once it reports ready.

    ``embed_with`` pins it to that host instead (embed mode, see ``actor_options``).
    """
    if embed_with is None and kind == "profiler" and settings.embed_profiler:
        embed_with = settings.decky_host or local_host()  # DECNET_EMBED_PROFILER: on the web host
    options = actor_options(kind, where, embed_with=embed_with)
    cls = _actor_class(kind)
    args: tuple[Any, ...] = (where, settings_payload(settings)) if where else (settings_payload(settings),)
    handle = cls.options(**options).remote(*args)
    if wait and not ray.get(handle.wait_ready.remote(wait)):
        health = ray.get(handle.check_health.remote()) if kind else None
        raise RuntimeError(f"{options['name']} did not become ready in {wait:.0f}s: {health}")
    return handle


def ensure_workers(
    wanted: list[tuple[str, str | None]], settings: Settings, *, wait: float = 60.0
) -> list[Any]:
    """Several workers at once: every actor is created first, then all are awaited together
    (their processes start in parallel, so boot takes as long as the slowest, not the sum)."""
    handles = [ensure_worker(kind, settings, where, wait=0) for kind, where in wanted]
    ready = ray.get([handle.wait_ready.remote(wait) for handle in handles])
    late = [actor_name(kind, where) for (kind, where), ok in zip(wanted, ready, strict=True) if not ok]
    if late:
        raise RuntimeError(f"{', '.join(late)} did not become ready in {wait:.0f}s (decnet workers)")
    return handles


def get_worker(kind: str, where: str | None = None) -> Any | None:
    """The worker's actor if it exists."""
    try:
        return ray.get_actor(actor_name(kind, where), namespace=NAMESPACE)
    except ValueError:
        return None


def stop_worker(kind: str, where: str | None = None) -> bool:
    """Stop a worker for good (no restart); True if it existed."""
    handle = get_worker(kind, where)
    if handle is None:
        return False
    with contextlib.suppress(Exception):  # a dead or stuck worker is killed anyway
        ray.get(handle.shutdown.remote(), timeout=15)
    ray.kill(handle, no_restart=True)
    return True


def local_host() -> str:
    """This machine's name as a decky host."""
    return os.uname().nodename
