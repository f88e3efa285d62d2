"""Where each DECNET worker runs: the one place that says it.

Per-host workers (fleet agent, collector) ask for the custom resource
``decnet_host:<host>`` that each decky host advertises when it joins the cluster; sniffers
ask for ``decnet_bridge:<iface>``; the rest float wherever Ray places them. "Embed mode"
(profiler or sniffer next to the web host) is a placement option: it pins the worker to
the web host's resource instead of letting it float. IO-bound workers ask for no CPU so
the whole constellation fits a 2-core host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

NAMESPACE = "decnet"
#: How much of a host/bridge resource one pinned worker takes (hosts advertise 1.0).
PIN = 0.01

Scope = Literal["host", "bridge", "floating"]


@dataclass(frozen=True, slots=True)
class WorkerKind:
    """A kind of worker: how many there are and where they go."""

    name: str
    scope: Scope
    num_cpus: float = 0.0
    max_task_retries: int = 3


WORKERS: dict[str, WorkerKind] = {
    "collector": WorkerKind("collector", "host"),
    "fleet_agent": WorkerKind("fleet_agent", "host"),
    "sniffer": WorkerKind("sniffer", "bridge"),
    "correlator": WorkerKind("correlator", "floating"),
    "profiler": WorkerKind("profiler", "floating"),
    "prober": WorkerKind("prober", "floating"),
    "mutator": WorkerKind("mutator", "floating"),
}


def host_resource(host: str) -> str:
    """The custom resource a decky host advertises."""
    return f"decnet_host:{host}"


def bridge_resource(iface: str) -> str:
    """The custom resource a bridge host advertises for one decoy interface."""
    return f"decnet_bridge:{iface}"


def actor_name(kind: str, where: str | None = None) -> str:
    """The named actor of a worker: ``collector:<host>``, ``sniffer:<iface>``, ``correlator``."""
    spec = WORKERS[kind]
    if spec.scope == "floating":
        return kind
    if not where:
        raise ValueError(f"a {kind} runs per {spec.scope}: name the {spec.scope}")
    return f"{kind}:{where}"


def actor_options(kind: str, where: str | None = None, *, embed_with: str | None = None) -> dict[str, Any]:
    """Ray actor options for a worker: named, detached, restarted forever, placed.

    ``where`` is the host (per-host workers) or interface (sniffers); ``embed_with`` pins a
    floating worker, or a sniffer, to that host instead (the seed's embed mode).
    """
    spec = WORKERS[kind]
    options: dict[str, Any] = {
        "name": actor_name(kind, where),
        "namespace": NAMESPACE,
        "lifetime": "detached",
        "get_if_exists": True,
        "max_restarts": -1,
        "max_task_retries": spec.max_task_retries,
        "num_cpus": spec.num_cpus,
    }
    if spec.scope == "host":
        assert where is not None
        options["resources"] = {host_resource(where): PIN}
    elif spec.scope == "bridge":
        assert where is not None
        # Embedded (DECNET_EMBED_SNIFFER), the sniffer of ``where`` runs on the web host instead.
        options["resources"] = {host_resource(embed_with) if embed_with else bridge_resource(where): PIN}
    elif embed_with:
        options["resources"] = {host_resource(embed_with): PIN}
    return options
