"""The Ray Serve deployment hosting decnet.web's FastAPI app.

The app itself stays a plain FastAPI app (tested without Ray); here it gets a workers table
from Ray's actor state merged with heartbeats. Serve's HTTP proxy runs on the head node only
(``proxy_location: HeadOnly``) and binds to ``DECNET_WEB_HOST`` (loopback by default).

Throughput (docs/api.md, Benchmark): a replica takes up to :data:`MAX_ONGOING_REQUESTS` requests at
once (Serve's default of 5 left 50 clients queueing in the proxy at a few requests per second),
Serve's per-request access log is off, and the app freezes its start-up objects out of the
garbage collector's reach.
"""

from __future__ import annotations

from typing import Any

from ray import serve

from decnet.config import Settings

APP_NAME = "decnet-web"


def _workers_provider(settings: Settings) -> Any:
    """Workers table for GET /api/v1/workers: Ray state + heartbeats (own repository, lazily)."""
    state: dict[str, Any] = {}

    async def provide() -> list[dict[str, Any]]:
        from cluster.health import workers_table
        from decnet.db import get_repository

        repo = state.get("repo")
        if repo is None:
            repo = get_repository(settings)
            await repo.initialize()
            state["repo"] = repo
        rows = await workers_table(repo)
        for row in rows:
            row["lag"] = row.get("lag_ms")
        return rows

    return provide


#: Replicas of the web app (each a process with its own event loop and database connections).
NUM_REPLICAS = 1
#: Requests one replica takes at once; more wait in the proxy. Serve's default (5) makes a burst of
#: dashboard or API clients queue in the proxy, whose retries cost far more than the requests.
MAX_ONGOING_REQUESTS = 256


def build(
    settings: Settings,
    *,
    num_replicas: int = NUM_REPLICAS,
    max_ongoing_requests: int = MAX_ONGOING_REQUESTS,
    access_log: bool = False,
) -> Any:
    """The Serve application (bind()) of the web app for ``settings``.

    ``access_log``: Serve's per-request access log lines (off: the app logs what matters, and a
    log line per request costs as much as a small request).
    """
    from cluster.operator import AgentFleetOperator
    from decnet.web.app import create_app

    fastapi_app = create_app(
        settings,
        workers_provider=_workers_provider(settings),
        fleet_operator=AgentFleetOperator(settings),
        freeze_gc=True,
    )

    @serve.deployment(
        name="web",
        num_replicas=num_replicas,
        max_ongoing_requests=max_ongoing_requests,
        ray_actor_options={"num_cpus": 0},
        logging_config={"enable_access_log": access_log},
    )
    @serve.ingress(fastapi_app)
    class Web:
        """One replica of the API and dashboard."""

        def check_health(self) -> None:
            """Serve's health check: the replica is up (the app reports DB health itself)."""

    return Web.bind()  # type: ignore[attr-defined]


def run(settings: Settings, *, num_replicas: int = NUM_REPLICAS, access_log: bool = False) -> str:
    """Start Serve on the head (loopback by default) and deploy the web app; return its URL.

    ``access_log``: the proxy's and replicas' per-request access log lines (off by default).
    """
    serve.start(
        http_options={"host": settings.web_host, "port": settings.web_port},
        proxy_location="HeadOnly",
        logging_config={"enable_access_log": access_log},
    )
    serve.run(
        build(settings, num_replicas=num_replicas, access_log=access_log),
        name=APP_NAME,
        route_prefix="/",
        blocking=False,
    )
    return f"http://{settings.web_host}:{settings.web_port}"


def shutdown() -> None:
    """Remove the web app and stop Serve."""
    serve.shutdown()  # type: ignore[no-untyped-call]
