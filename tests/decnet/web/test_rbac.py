"""Every route of the app called as anonymous, with a bad token, as a pending account, viewer and admin.

The routes come from the app itself (``flat_routes``), so a route added later is called too:
API routes listed in ``TABLE`` must answer exactly as listed; others (added by other modules)
must at least refuse anonymous callers, bad tokens and pending accounts, and refuse viewers
any method but GET. Dashboard pages are checked the same way with the session cookie.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from decnet.web.app import create_app
from decnet.web.routing import flat_routes
from decnet.web.session import SESSION_COOKIE
from tests.decnet.web.conftest import (
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    FakeOperator,
    Running,
    add_user,
    bearer,
    login,
    make_settings,
    running,
)

PENDING_PASSWORD = "pending-password-1"
DEPLOY = {"deckies": 2, "subnet": "10.20.0.0/24", "services": ["ssh"], "backend": "local"}
WRONG_CHANGE = {"old_password": "not-my-password", "new_password": "a-brand-new-password"}
NEW_USER = {"username": "newbie", "password": "newbie-password-1", "role": "viewer"}
OP = "0" * 32

#: method, path template, concrete path, JSON body, expected status: anonymous, bad token, pending, viewer, admin.
TABLE: list[tuple[str, str, str, dict[str, Any] | None, tuple[int, int, int, int, int]]] = [
    ("GET", "/api/v1/health", "/api/v1/health", None, (200, 200, 200, 200, 200)),
    ("POST", "/api/v1/auth/login", "/api/v1/auth/login", {"username": "x", "password": "y"}, (401,) * 5),
    ("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", None, (401, 401, 204, 204, 204)),
    (
        "POST",
        "/api/v1/auth/change-password",
        "/api/v1/auth/change-password",
        WRONG_CHANGE,
        (401, 401, 400, 400, 400),
    ),
    ("GET", "/api/v1/auth/me", "/api/v1/auth/me", None, (401, 401, 403, 200, 200)),
    ("GET", "/api/v1/workers", "/api/v1/workers", None, (401, 401, 403, 200, 200)),
    ("GET", "/api/v1/deckies", "/api/v1/deckies", None, (401, 401, 403, 200, 200)),
    ("POST", "/api/v1/deckies", "/api/v1/deckies", DEPLOY, (401, 401, 403, 403, 202)),
    ("GET", "/api/v1/deckies/{name}", "/api/v1/deckies/known", None, (401, 401, 403, 200, 200)),
    ("DELETE", "/api/v1/deckies/{name}", "/api/v1/deckies/absent", None, (401, 401, 403, 403, 404)),
    ("GET", "/api/v1/events", "/api/v1/events", None, (401, 401, 403, 200, 200)),
    ("GET", "/api/v1/events.csv", "/api/v1/events.csv", None, (401, 401, 403, 200, 200)),
    ("GET", "/api/v1/users", "/api/v1/users", None, (401, 401, 403, 403, 200)),
    ("POST", "/api/v1/users", "/api/v1/users", NEW_USER, (401, 401, 403, 403, 201)),
    (
        "PATCH",
        "/api/v1/users/{username}",
        "/api/v1/users/pending",
        {"role": "viewer"},
        (401, 401, 403, 403, 200),
    ),
    (
        "POST",
        "/api/v1/users/{username}/reset-password",
        "/api/v1/users/nobody/reset-password",
        {"password": "a-temporary-password"},
        (401, 401, 403, 403, 404),
    ),
    ("DELETE", "/api/v1/users/{username}", "/api/v1/users/nobody", None, (401, 401, 403, 403, 404)),
    ("GET", "/api/v1/operations", "/api/v1/operations", None, (401, 401, 403, 200, 200)),
    ("GET", "/api/v1/operations/{op_id}", f"/api/v1/operations/{OP}", None, (401, 401, 403, 404, 404)),
    # the stream is only checked for refusals here (test_stream.py reads it through a real server)
    ("GET", "/api/v1/stream", "/api/v1/stream", None, (401, 401, 403, 0, 0)),
]
CALLERS = ("anonymous", "bad token", "pending", "viewer", "admin")
_LISTED = {(m, p) for m, p, _, _, _ in TABLE}

#: Dashboard pages and actions: method, template, concrete path, admin only.
PAGES: list[tuple[str, str, str, bool]] = [
    ("GET", "/", "/", False),
    ("GET", "/fleet", "/fleet", False),
    ("GET", "/events", "/events", False),
    ("GET", "/attackers", "/attackers", False),
    ("GET", "/attackers/{ip}", "/attackers/192.0.2.77", False),
    ("GET", "/credentials", "/credentials", False),
    ("GET", "/workers", "/workers", False),
    ("GET", "/users", "/users", True),
    ("POST", "/fleet/deploy", "/fleet/deploy", True),
    ("POST", "/fleet/{name}/teardown", "/fleet/known/teardown", True),
    ("POST", "/users", "/users", True),
    ("POST", "/users/{username}/role", "/users/viewer/role", True),
    ("POST", "/users/{username}/reset", "/users/viewer/reset", True),
    ("POST", "/users/{username}/delete", "/users/viewer/delete", True),
]
#: Pages reachable without a session, or with a pending one.
OPEN_PAGES = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/change-password"),
    ("POST", "/change-password"),
}
OPEN_PAGES |= {("POST", "/logout")}


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Running]:
    """Like conftest's ``web``, with a login limit high enough for calling every route many times."""
    operator = FakeOperator()
    app = create_app(make_settings(tmp_path), fleet_operator=operator, login_max_failures=10_000)
    async with running(app) as client:
        await add_user(app, "viewer", VIEWER_PASSWORD, "viewer")
        admin = bearer(await login(client, "admin", ADMIN_PASSWORD))
        viewer = bearer(await login(client, "viewer", VIEWER_PASSWORD))
        yield Running(app, client, operator, admin, viewer)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def _api_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, r.path)
        for r in flat_routes(app)
        if r.in_schema and r.path.startswith("/api/v1/")
        for method in r.methods
    }


def _page_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, r.path)
        for r in flat_routes(app)
        if not r.in_schema and not r.path.startswith(("/api/", "/docs", "/static"))
        for method in r.methods - {"HEAD"}
    }


def test_every_route_of_this_module_is_in_a_table(tmp_path: Any) -> None:
    app = create_app(make_settings(tmp_path))
    assert _api_routes(app) >= _LISTED
    assert _page_routes(app) == {(m, p) for m, p, _, _ in PAGES} | OPEN_PAGES


async def _headers(web: Running, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "bad token":
        return bearer(web.viewer["Authorization"].split()[1][:-2] + "AA")
    name, password = {
        "pending": ("pending", PENDING_PASSWORD),
        "viewer": ("viewer", VIEWER_PASSWORD),
        "admin": ("admin", ADMIN_PASSWORD),
    }[caller]
    return bearer(await login(web.client, name, password))  # fresh: logout revokes its token


async def test_every_api_route(web: Running) -> None:
    await add_user(web.app, "pending", PENDING_PASSWORD, "viewer", must_change=True)
    await web.repo.upsert_decky("known", host="h", spec={"services": ["ssh"]})
    table = {(m, p): (path, body, expected) for m, p, path, body, expected in TABLE}
    for method, template in sorted(_api_routes(web.app)):
        path, body, expected = table.get((method, template), (_concrete(template), None, None))
        for index, caller in enumerate(CALLERS):
            if expected is not None and expected[index] == 0:
                continue
            headers = await _headers(web, caller)
            response = await web.client.request(method, path, headers=headers, json=body)
            code = response.status_code
            where = (method, template, caller, response.text[:200])
            if expected is not None:
                assert code == expected[index], where
            elif caller in ("anonymous", "bad token"):
                assert code in (401, 200) if template == "/api/v1/health" else code == 401, where
            elif caller == "pending":
                assert code in (401, 403), where
            elif caller == "viewer" and method != "GET":
                assert code == 403, where
            else:
                assert code not in (401, 403) and code < 500, where
            if code == 401 and template != "/api/v1/auth/login":
                assert response.headers["www-authenticate"] == "Bearer"
            if caller == "pending" and code == 403:
                assert response.json() == {"detail": "password change required"}
            if caller == "viewer" and code == 403:
                assert response.json() == {"detail": "not enough privileges"}


async def _cookie(web: Running, caller: str) -> dict[str, str]:
    headers = await _headers(web, caller)
    if not headers:
        return {}
    return {"Cookie": f"{SESSION_COOKIE}={headers['Authorization'].split()[1]}"}


async def test_every_dashboard_page(web: Running) -> None:
    await add_user(web.app, "pending", PENDING_PASSWORD, "viewer", must_change=True)
    await web.repo.upsert_decky("known", host="h", spec={"services": ["ssh"]})
    for method, _template, path, admin_only in PAGES:
        for caller in CALLERS:
            headers = await _cookie(web, caller)
            data = {"csrf": "wrong"} if method == "POST" else None
            response = await web.client.request(method, path, headers=headers, data=data)
            code, where = response.status_code, (method, path, caller)
            if caller in ("anonymous", "bad token"):
                assert code == 303 and response.headers["location"] == "/login", where
            elif caller == "pending":
                assert code == 303 and response.headers["location"] == "/change-password", where
            elif caller == "viewer" and admin_only:
                assert code == 403, where
            elif method == "POST":
                assert code == 403 and response.json() == {"detail": "missing or wrong CSRF token"}, where
            else:
                assert code in (200, 404), where


async def test_cookie_api_calls_need_the_csrf_header_to_change_anything(web: Running) -> None:
    cookie = await _cookie(web, "admin")
    assert (await web.client.get("/api/v1/users", headers=cookie)).status_code == 200
    response = await web.client.post("/api/v1/users", headers=cookie, json=NEW_USER)
    assert response.status_code == 403 and response.json() == {"detail": "missing or wrong CSRF token"}
    wrong = {**cookie, "X-CSRF-Token": "A" * 16}
    assert (await web.client.post("/api/v1/users", headers=wrong, json=NEW_USER)).status_code == 403


async def test_an_unknown_role_gets_nothing(web: Running) -> None:
    await add_user(web.app, "odd", "odd-password-123", "superuser")
    token = bearer(await login(web.client, "odd", "odd-password-123"))
    for path in ("/api/v1/auth/me", "/api/v1/events"):
        assert (await web.client.get(path, headers=token)).status_code == 403
