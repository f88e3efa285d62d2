"""The Ray Serve deployment hosting decnet.web's FastAPI app.

The app itself stays a plain FastAPI app (tested without Ray); here it gets a workers table
from Ray's actor state merged with heartbeats. Serve's HTTP proxy runs on the head node only
(``proxy_location: HeadOnly``) and binds to ``DECNET_WEB_HOST`` (loopback by default).
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


def build(settings: Settings) -> Any:
    """The Serve application (bind()) of the web app for ``settings``."""
    from cluster.operator import AgentFleetOperator
    from decnet.web.app import create_app

    fastapi_app = create_app(
        settings, workers_provider=_workers_provider(settings), fleet_operator=AgentFleetOperator(settings)
    )

    @serve.deployment(name="web", num_replicas=1, ray_actor_options={"num_cpus": 0})
    @serve.ingress(fastapi_app)
    class Web:
        """One replica of the API and dashboard."""

        def check_health(self) -> None:
            """Serve's health check: the replica is up (the app reports DB health itself)."""

    return Web.bind()  # type: ignore[attr-defined]


def run(settings: Settings) -> str:
    """Start Serve on the head (loopback by default) and deploy the web app; return its URL."""
    serve.start(
        http_options={"host": settings.web_host, "port": settings.web_port},
        proxy_location="HeadOnly",
    )
    serve.run(build(settings), name=APP_NAME, route_prefix="/", blocking=False)
    return f"http://{settings.web_host}:{settings.web_port}"


def shutdown() -> None:
    """Remove the web app and stop Serve."""
    serve.shutdown()  # type: ignore[no-untyped-call]
