"""Worker health: Ray's view of each actor merged with the worker's own heartbeat row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cluster.placement import NAMESPACE
from decnet.db.repository import SQLModelRepository

#: The Serve application of the web app (see serve.app.APP_NAME).
WEB_APP = "decnet-web"


def ray_actors() -> dict[str, dict[str, Any]]:
    """Ray's record of the ``decnet`` actors by name: state, restarts, node.

    Uses Ray's GCS client (works without the dashboard, which DECNET keeps off).
    """
    from ray._private import state

    out: dict[str, dict[str, Any]] = {}
    for info in state.actors().values():
        if info.get("RayNamespace", NAMESPACE) != NAMESPACE or not info.get("Name"):
            continue
        name = _worker_name(info["Name"])
        if name is None:
            continue
        previous = out.get(name)
        # A name may have older dead entries; keep the live (or newest) one.
        if previous is not None and previous["state"] == "ALIVE":
            continue
        out[name] = {
            "state": info.get("State", "UNKNOWN"),
            "restarts": int(info.get("NumRestarts", 0)),
            "node_id": (info.get("Address") or {}).get("NodeID"),
            "class": info.get("ActorClassName"),
        }
    return out


def _worker_name(actor: str) -> str | None:
    """The worker an actor is: DECNET's own by name, the web app's Serve replicas as ``web``;
    Serve's controller and proxies are infrastructure and not listed."""
    if actor.startswith(f"SERVE_REPLICA::{WEB_APP}#"):
        return "web"
    if actor.startswith("SERVE_"):
        return None
    return actor


async def workers_table(repo: SQLModelRepository) -> list[dict[str, Any]]:
    """One row per worker: Ray state, restarts, node, last heartbeat, its age and counters."""
    actors = ray_actors()
    states = {s.name: s for s in await repo.list_worker_states()}
    now = datetime.now(UTC)
    rows = []
    for name in sorted(set(actors) | set(states)):
        actor = actors.get(name, {})
        saved = states.get(name)
        heartbeat = saved.heartbeat_at if saved is not None else None
        rows.append(
            {
                "name": name,
                "state": actor.get("state", "ABSENT"),
                "restarts": actor.get("restarts"),
                "node": (saved.node if saved is not None else None) or actor.get("node_id"),
                "last_heartbeat": heartbeat.isoformat() if heartbeat else None,
                "heartbeat_age_s": round((now - heartbeat).total_seconds(), 1) if heartbeat else None,
                "lag_ms": (saved.counters or {}).get("lag_ms") if saved is not None else None,
                "counters": dict(saved.counters or {}) if saved is not None else {},
            }
        )
    return rows
