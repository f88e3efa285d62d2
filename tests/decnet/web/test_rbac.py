"""Every API route called as anonymous, with a bad token, as a pending account, viewer and admin.

The table must list every route of the app's OpenAPI schema: a new route without an entry
fails ``test_the_table_covers_every_route``.
"""

from __future__ import annotations

from typing import Any

import pytest

from decnet.web.app import create_app
from tests.decnet.web.conftest import (
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    Running,
    add_user,
    bearer,
    login,
    make_settings,
)

PENDING_PASSWORD = "pending-password-1"
DEPLOY = {"deckies": 2, "subnet": "10.20.0.0/24", "services": ["ssh"], "backend": "local"}
WRONG_CHANGE = {"old_password": "not-my-password", "new_password": "a-brand-new-password"}

#: method, path, JSON body, then the expected status as: anonymous, bad token, pending, viewer, admin.
TABLE: list[tuple[str, str, dict[str, Any] | None, tuple[int, int, int, int, int]]] = [
    ("GET", "/api/v1/health", None, (200, 200, 200, 200, 200)),
    ("POST", "/api/v1/auth/login", {"username": "x", "password": "y"}, (401, 401, 401, 401, 401)),
    ("POST", "/api/v1/auth/logout", None, (401, 401, 204, 204, 204)),
    ("POST", "/api/v1/auth/change-password", WRONG_CHANGE, (401, 401, 400, 400, 400)),
    ("GET", "/api/v1/auth/me", None, (401, 401, 403, 200, 200)),
    ("GET", "/api/v1/workers", None, (401, 401, 403, 200, 200)),
    ("GET", "/api/v1/deckies", None, (401, 401, 403, 200, 200)),
    ("POST", "/api/v1/deckies", DEPLOY, (401, 401, 403, 403, 202)),
    ("GET", "/api/v1/events", None, (401, 401, 403, 200, 200)),
]
CALLERS = ("anonymous", "bad token", "pending", "viewer", "admin")


def test_the_table_covers_every_route(tmp_path: Any) -> None:
    schema = create_app(make_settings(tmp_path)).openapi()
    routes = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert routes == {(method, path) for method, path, _, _ in TABLE}


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), TABLE, ids=[f"{m} {p}" for m, p, _, _ in TABLE]
)
async def test_access(
    web: Running, method: str, path: str, body: dict[str, Any] | None, expected: tuple[int, ...]
) -> None:
    await add_user(web.app, "pending", PENDING_PASSWORD, "viewer", must_change=True)
    for caller, code in zip(CALLERS, expected, strict=True):
        # a fresh token per call: logout revokes the one it is called with
        if caller == "anonymous":
            headers: dict[str, str] = {}
        elif caller == "bad token":
            headers = bearer(web.viewer["Authorization"].split()[1][:-2] + "AA")
        elif caller == "pending":
            headers = bearer(await login(web.client, "pending", PENDING_PASSWORD))
        elif caller == "viewer":
            headers = bearer(await login(web.client, "viewer", VIEWER_PASSWORD))
        else:
            headers = bearer(await login(web.client, "admin", ADMIN_PASSWORD))
        response = await web.client.request(method, path, headers=headers, json=body)
        assert response.status_code == code, (caller, response.text)
        if code == 401 and path != "/api/v1/auth/login":
            assert response.headers["www-authenticate"] == "Bearer"
        if caller == "pending" and code == 403:
            assert response.json() == {"detail": "password change required"}
        if caller == "viewer" and code == 403:
            assert response.json() == {"detail": "not enough privileges"}


async def test_an_unknown_role_gets_nothing(web: Running) -> None:
    await add_user(web.app, "odd", "odd-password-123", "superuser")
    token = bearer(await login(web.client, "odd", "odd-password-123"))
    for path in ("/api/v1/auth/me", "/api/v1/events"):
        assert (await web.client.get(path, headers=token)).status_code == 403
