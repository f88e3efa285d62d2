"""The ``get_repo`` dependency, on a tiny app with a real SQLite repository."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from decnet.config.settings import Settings
from decnet.db import SQLModelRepository, get_repository
from decnet.events.model import Event
from decnet.web.deps import RepoDep, get_repo


def make_app(data_dir: Path | None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if data_dir is None:
            yield
            return
        repo = get_repository(Settings(data_dir=data_dir))
        await repo.initialize()
        app.state.repo = repo
        try:
            yield
        finally:
            await repo.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/events")
    async def add(repo: RepoDep) -> dict[str, int]:
        result = await repo.add_events([Event.new("decky-01", "ssh", "connect", src_ip="198.51.100.7")])
        return {"inserted": result.inserted}

    @app.get("/events/count")
    async def count(repo: Annotated[SQLModelRepository, Depends(get_repo)]) -> dict[str, int]:
        return {"count": await repo.count_events()}

    return app


def test_routes_get_the_repository_from_app_state(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with TestClient(app) as client:
        assert client.get("/events/count").json() == {"count": 0}
        assert client.post("/events").json() == {"inserted": 1}
        assert client.post("/events").json() == {"inserted": 1}
        assert client.get("/events/count").json() == {"count": 2}
        assert app.state.repo.telemetry.snapshot()["count_events"].calls == 2
    assert (tmp_path / "decnet.db").exists()


def test_no_repository_yet_is_503() -> None:
    with TestClient(make_app(None)) as client:
        response = client.get("/events/count")
    assert response.status_code == 503
    assert response.json() == {"detail": "storage is not ready"}
