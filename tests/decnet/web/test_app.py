"""The app as a whole: health, workers, security headers, CORS, OpenAPI, outages, a caller's repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from decnet.db.errors import DatabaseUnavailable
from decnet.db.sqlite import SQLiteRepository
from decnet.web.app import create_app
from decnet.web.routing import flat_routes
from tests.decnet.web.conftest import ADMIN_PASSWORD, Running, bearer, login, make_settings, running

HEALTH = "/api/v1/health"


# --- health --------------------------------------------------------------------------------


async def test_health_ok(web: Running) -> None:
    response = await web.client.get(HEALTH)
    assert response.status_code == 200 and response.json() == {"status": "ok", "db": "ok"}


async def test_health_503_when_the_database_is_gone(web: Running) -> None:
    """Break the database for real: close the pool and put a directory where the file was."""
    repo = web.repo
    assert isinstance(repo, SQLiteRepository) and repo.path is not None
    await repo.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{repo.path}{suffix}").unlink(missing_ok=True)
    repo.path.mkdir()
    try:
        response = await web.client.get(HEALTH)
        assert response.status_code == 503 and response.json() == {"status": "ok", "db": "down"}
        # other routes answer 503 without leaking the database URL or driver error
        outage = await web.client.get("/api/v1/events", headers=web.viewer)
        assert outage.status_code == 503 and outage.json() == {"detail": "database unavailable"}
        assert "sqlite" not in outage.text and "decnet.db" not in outage.text
    finally:
        shutil.rmtree(repo.path)


async def test_health_503_when_ping_hangs_or_fails(web: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    async def fail() -> None:
        raise DatabaseUnavailable("mysql+asyncmy://u:***@db/decnet", "connection refused")

    monkeypatch.setattr(web.repo, "ping", fail)
    response = await web.client.get(HEALTH)
    assert response.status_code == 503 and response.json()["db"] == "down"


async def test_before_start_up_there_is_no_repository(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get(HEALTH)).status_code == 503
        assert (await client.get("/api/v1/events")).status_code == 503
        login_attempt = await client.post("/api/v1/auth/login", json={"username": "a", "password": "b"})
        assert login_attempt.status_code == 503


# --- workers -------------------------------------------------------------------------------


async def test_workers_from_heartbeat_rows(web: Running) -> None:
    await web.repo.save_worker_state("correlator", 42, {"sessions": 7})
    await web.repo.heartbeat("correlator", "node-a", 1234)
    await web.repo.save_worker_state("profiler", 0)
    rows = (await web.client.get("/api/v1/workers", headers=web.viewer)).json()
    assert [r["name"] for r in rows] == ["correlator", "profiler"]
    correlator, profiler = rows
    assert correlator["state"] == "unknown" and correlator["restarts"] is None
    assert correlator["node"] == "node-a" and correlator["counters"] == {"sessions": 7}
    beat = datetime.fromisoformat(correlator["last_heartbeat"])
    assert datetime.now(UTC) - beat < timedelta(minutes=1)
    assert 0 <= correlator["lag"] < 60
    assert profiler["last_heartbeat"] is None and profiler["lag"] is None


async def test_workers_from_the_provider(tmp_path: Path) -> None:
    calls = 0

    async def provider() -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        return [
            {
                "name": "collector",
                "state": "ALIVE",
                "node": "n1",
                "restarts": 2,
                "lag": 0.5,
                "actor_id": "abc",
            },
        ]

    app = create_app(make_settings(tmp_path), workers_provider=provider)
    async with running(app) as client:
        admin = bearer(await login(client, "admin", ADMIN_PASSWORD))
        (row,) = (await client.get("/api/v1/workers", headers=admin)).json()
    assert calls == 1
    assert row == {
        "name": "collector",
        "state": "ALIVE",
        "node": "n1",
        "restarts": 2,
        "last_heartbeat": None,
        "lag": 0.5,
        "counters": {},
        "actor_id": "abc",
    }


async def test_a_failing_provider_falls_back_to_heartbeats(tmp_path: Path) -> None:
    async def provider() -> list[dict[str, Any]]:
        raise ConnectionError("ray is down")

    app = create_app(make_settings(tmp_path), workers_provider=provider)
    async with running(app) as client:
        await app.state.repo.heartbeat("sniffer", "node-b", 99)
        admin = bearer(await login(client, "admin", ADMIN_PASSWORD))
        response = await client.get("/api/v1/workers", headers=admin)
    assert response.status_code == 200
    assert [(r["name"], r["state"]) for r in response.json()] == [("sniffer", "unknown")]


# --- headers, CORS, OpenAPI ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", HEALTH),
        ("GET", "/api/v1/events"),
        ("GET", "/api/v1/nothing-here"),
        ("POST", "/api/v1/auth/login"),
        ("GET", "/api/v1/openapi.json"),
    ],
)
async def test_security_headers_on_api_responses(web: Running, method: str, path: str) -> None:
    response = await web.client.request(method, path, json={} if method == "POST" else None)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_security_headers_outside_the_api(web: Running) -> None:
    response = await web.client.get("/docs")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "cache-control" not in response.headers


async def test_cors_is_off_by_default(web: Running) -> None:
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    preflight = await web.client.options("/api/v1/events", headers=headers)
    assert "access-control-allow-origin" not in preflight.headers
    simple = await web.client.get(HEALTH, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_for_configured_origins(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), cors_origins=["https://soc.example"])
    async with running(app) as client:
        ok = await client.get(HEALTH, headers={"Origin": "https://soc.example"})
        assert ok.headers["access-control-allow-origin"] == "https://soc.example"
        other = await client.get(HEALTH, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_openapi_documents_every_route(web: Running) -> None:
    response = await web.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "DECNET"
    assert "bearer" in schema["components"]["securitySchemes"]
    operations = {
        (method.upper(), path): op for path, item in schema["paths"].items() for method, op in item.items()
    }
    routes = {
        (method, route.path)
        for route in flat_routes(web.app)
        if route.in_schema and route.path.startswith("/api/v1/") and route.path != "/api/v1/openapi.json"
        for method in route.methods
    }
    assert set(operations) == routes  # every API route is documented, nothing else is
    assert {
        ("GET", "/api/v1/users"),
        ("DELETE", "/api/v1/deckies/{name}"),
        ("GET", "/api/v1/stream"),
    } <= routes
    media = {("GET", "/api/v1/events.csv"), ("GET", "/api/v1/stream")}
    public = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/login")}
    for key, op in operations.items():
        assert op["tags"] and op["summary"], key
        success = next(code for code in op["responses"] if code.startswith("2"))
        content = op["responses"][success].get("content", {})
        if key not in media and content.get("application/json", {}).get("schema"):
            assert "$ref" in str(content["application/json"]), key  # a response model
        if key not in public:
            assert op["security"] == [{"bearer": []}], key
            assert "401" in op["responses"], key
            if key not in {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/change-password")}:
                assert "403" in op["responses"], key
    assert "429" in operations["POST", "/api/v1/auth/login"]["responses"]
    assert "422" in operations["POST", "/api/v1/deckies"]["responses"]
    assert "503" in operations["GET", "/api/v1/health"]["responses"]


async def test_internal_errors_are_generic_and_keep_the_headers(
    web: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(host: str | None = None) -> list[Any]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web.repo, "list_deckies", broken)
    transport = httpx.ASGITransport(app=web.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/api/v1/deckies", headers=web.viewer)
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_oversized_bodies_are_413(web: Running) -> None:
    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    declared = await web.client.post("/api/v1/auth/login", content=big)
    assert declared.status_code == 413 and declared.json() == {"detail": "request body too large"}
    assert declared.headers["x-content-type-options"] == "nosniff"

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 100_000

    streamed = await web.client.post("/api/v1/deckies", headers=web.admin, content=stream())
    assert streamed.status_code == 413
    ok = await web.client.post("/api/v1/deckies", headers=web.admin, json={"ini": "x" * 900_000})
    assert ok.status_code == 422  # within the limit: reaches the route


# --- life cycle ----------------------------------------------------------------------------


async def test_a_callers_repository_is_used_and_left_open(tmp_path: Path) -> None:
    repo = SQLiteRepository(f"sqlite+aiosqlite:///{tmp_path / 'own' / 'decnet.db'}")
    await repo.initialize()
    try:
        app = create_app(make_settings(tmp_path / "unused"), repo)
        async with running(app) as client:
            assert app.state.repo is repo
            await login(client, "admin", ADMIN_PASSWORD)
        assert app.state.repo is None
        assert await repo.count_users() == 1  # still usable: the app did not close it
        assert not (tmp_path / "unused" / "decnet.db").exists()
    finally:
        await repo.close()


def test_bad_token_lifetime_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        create_app(make_settings(tmp_path), token_ttl_s=0)


def test_the_web_package_does_not_import_ray() -> None:
    code = "import sys, decnet.web.app; assert 'ray' not in sys.modules, 'ray imported'"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECNET_")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
