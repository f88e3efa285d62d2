"""Fixtures of the web tests: hermetic settings, cheap password hashing, a running app and accounts.

Apps run in the test's own event loop (lifespan entered by hand, httpx over ASGITransport), so
tests can use the app's repository directly; each app has its own SQLite file in ``tmp_path``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import decnet.config.settings as settings_module
from decnet.config.settings import Settings
from decnet.db.repository import SQLModelRepository
from decnet.fleet.spec import FleetSpec
from decnet.web import security
from decnet.web.app import create_app

JWT_SECRET = "test-signing-key-0123456789abcdef-xyz"
ADMIN_PASSWORD = "admin-password-0123"
VIEWER_PASSWORD = "viewer-password-0123"
CLIENT_IP = "192.0.2.10"


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("DECNET_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(settings_module, "DEFAULT_CONFIG_PATH", tmp_path / "absent" / "decnet.ini")
    yield


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt with N=2^10, p=1 (the format and code path are the same; 100x faster)."""
    monkeypatch.setattr(security, "SCRYPT_N", 2**10)
    monkeypatch.setattr(security, "SCRYPT_P", 1)


def make_settings(data_dir: Path, **values: Any) -> Settings:
    """Settings for one app: SQLite in ``data_dir``, the test signing key and admin password by default."""
    values.setdefault("jwt_secret", JWT_SECRET)
    values.setdefault("admin_password", ADMIN_PASSWORD)
    return Settings(data_dir=data_dir, **{k: v for k, v in values.items() if v is not None})


class FakeOperator:
    """A fleet operator that records what it was given."""

    def __init__(self, fail: bool = False) -> None:
        self.fleets: list[FleetSpec] = []
        self.fail = fail

    async def deploy(self, fleet: FleetSpec) -> str:
        if self.fail:
            raise RuntimeError("agent unreachable")
        self.fleets.append(fleet)
        return f"op-{len(self.fleets)}"


@asynccontextmanager
async def running(app: FastAPI, client_ip: str = CLIENT_IP) -> AsyncIterator[httpx.AsyncClient]:
    """Start ``app`` (its lifespan) and yield a client whose requests come from ``client_ip``."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def client_from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    """Another client of an already running ``app``, from address ``ip``."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40001))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def add_user(
    app: FastAPI, username: str, password: str, role: str, *, must_change: bool = False
) -> None:
    """Create an account in the running app's repository."""
    repo: SQLModelRepository = app.state.repo
    password_hash = await asyncio.to_thread(security.hash_password, password)
    await repo.create_user(username, password_hash, role=role, must_change_password=must_change)


async def login(client: httpx.AsyncClient, username: str, password: str) -> str:
    """A token of ``username`` (asserts the login succeeds)."""
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of ``token``."""
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Running:
    """A started app, its client, the fake operator, and tokens of an admin and a viewer."""

    app: FastAPI
    client: httpx.AsyncClient
    operator: FakeOperator
    admin: dict[str, str]
    viewer: dict[str, str]

    @property
    def repo(self) -> SQLModelRepository:
        repo: SQLModelRepository = self.app.state.repo
        return repo


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Running]:
    """An app with a fake operator, a ready admin (``admin``) and a viewer (``viewer``)."""
    operator = FakeOperator()
    app = create_app(make_settings(tmp_path), fleet_operator=operator)
    async with running(app) as client:
        await add_user(app, "viewer", VIEWER_PASSWORD, "viewer")
        admin = bearer(await login(client, "admin", ADMIN_PASSWORD))
        viewer = bearer(await login(client, "viewer", VIEWER_PASSWORD))
        yield Running(app, client, operator, admin, viewer)
