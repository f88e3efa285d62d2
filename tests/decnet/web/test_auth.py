"""Login, rate limit, token expiry, logout, the first admin and the forced password change."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest

from decnet.web import auth as auth_module
from decnet.web import security
from decnet.web.app import create_app
from tests.decnet.web.conftest import (
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    Running,
    add_user,
    bearer,
    client_from,
    login,
    make_settings,
    running,
)

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
CHANGE = "/api/v1/auth/change-password"
LOGOUT = "/api/v1/auth/logout"


async def test_login_returns_a_bearer_token(web: Running) -> None:
    response = await web.client.post(LOGIN, json={"username": "viewer", "password": VIEWER_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "must_change_password"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["must_change_password"] is False
    me = await web.client.get(ME, headers=bearer(body["access_token"]))
    assert me.json() == {"username": "viewer", "role": "viewer", "must_change_password": False}


async def test_wrong_password_and_unknown_user_look_the_same(
    web: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = security.verify_password

    def spy(password: str, encoded: str) -> bool:
        calls.append(encoded)
        return real(password, encoded)

    monkeypatch.setattr(auth_module, "verify_password", spy)
    wrong = await web.client.post(LOGIN, json={"username": "viewer", "password": "not-the-password"})
    unknown = await web.client.post(LOGIN, json={"username": "nobody", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid username or password"}
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"
    # both paths run one scrypt verification with the same parameters
    assert len(calls) == 2
    assert calls[0].split("$")[3] == calls[1].split("$")[3]


async def test_malformed_logins_do_not_echo_the_password(web: Running) -> None:
    secret = "s3cret-" + "x" * 1100
    for body in ({"username": "viewer", "password": secret}, {"username": "", "password": secret[:20]}):
        response = await web.client.post(LOGIN, json=body)
        assert response.status_code == 422
        assert "s3cret" not in response.text
        assert "input" not in response.json()["detail"][0]


async def test_failed_logins_are_rate_limited_per_address(web: Running) -> None:
    for i in range(5):
        response = await web.client.post(LOGIN, json={"username": f"guess{i}", "password": "wrong-password"})
        assert response.status_code == 401
    limited = await web.client.post(LOGIN, json={"username": "viewer", "password": VIEWER_PASSWORD})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    assert limited.json() == {"detail": "too many failed attempts; try again later"}
    async with client_from(web.app, "198.51.100.7") as other:
        assert (
            await other.post(LOGIN, json={"username": "viewer", "password": VIEWER_PASSWORD})
        ).status_code == 200


async def test_failed_logins_are_rate_limited_per_username(web: Running) -> None:
    for i in range(5):
        async with client_from(web.app, f"198.51.100.{i + 1}") as client:
            response = await client.post(LOGIN, json={"username": "viewer", "password": "wrong-password"})
            assert response.status_code == 401
    async with client_from(web.app, "203.0.113.9") as fresh:
        limited = await fresh.post(LOGIN, json={"username": "viewer", "password": VIEWER_PASSWORD})
        assert limited.status_code == 429 and "retry-after" in limited.headers
        # other accounts from a clean address are unaffected
        assert (
            await fresh.post(LOGIN, json={"username": "admin", "password": ADMIN_PASSWORD})
        ).status_code == 200


async def test_the_limit_window_comes_from_create_app(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), login_max_failures=2, login_window_s=1.0)
    async with running(app) as client:
        for _ in range(2):
            assert (
                await client.post(LOGIN, json={"username": "admin", "password": "bad"})
            ).status_code == 401
        limited = await client.post(LOGIN, json={"username": "admin", "password": ADMIN_PASSWORD})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
        await asyncio.sleep(1.05)
        assert (
            await client.post(LOGIN, json={"username": "admin", "password": ADMIN_PASSWORD})
        ).status_code == 200


async def test_tokens_expire(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), token_ttl_s=1)
    async with running(app) as client:
        response = await client.post(LOGIN, json={"username": "admin", "password": ADMIN_PASSWORD})
        assert response.json()["expires_in"] == 1
        headers = bearer(response.json()["access_token"])
        assert (await client.get(ME, headers=headers)).status_code == 200
        await asyncio.sleep(1.1)
        expired = await client.get(ME, headers=headers)
        assert expired.status_code == 401
        assert expired.json() == {"detail": "invalid or expired token"}
        assert expired.headers["www-authenticate"] == "Bearer"


async def test_logout_revokes_only_that_token(web: Running) -> None:
    other = bearer(await login(web.client, "viewer", VIEWER_PASSWORD))
    response = await web.client.post(LOGOUT, headers=web.viewer)
    assert response.status_code == 204 and response.content == b""
    assert (await web.client.get(ME, headers=web.viewer)).status_code == 401
    assert (await web.client.post(LOGOUT, headers=web.viewer)).status_code == 401
    assert (await web.client.get(ME, headers=other)).status_code == 200


async def test_bad_authorization_headers(web: Running) -> None:
    token = web.viewer["Authorization"].split()[1]
    for headers in ({}, {"Authorization": token}, {"Authorization": f"Basic {token}"}, bearer("abc.def.ghi")):
        response = await web.client.get(ME, headers=headers)
        assert response.status_code == 401, headers


async def test_deleted_accounts_and_changed_roles_take_effect_at_once(web: Running) -> None:
    await add_user(web.app, "carol", "carol-password-1", "admin")
    token = bearer(await login(web.client, "carol", "carol-password-1"))
    assert (await web.client.get(ME, headers=token)).json()["role"] == "admin"
    await web.repo.delete_user("carol")
    assert (await web.client.get(ME, headers=token)).status_code == 401


async def test_change_password_invalidates_older_tokens(web: Running) -> None:
    older = bearer(await login(web.client, "viewer", VIEWER_PASSWORD))
    response = await web.client.post(
        CHANGE,
        headers=web.viewer,
        json={"old_password": VIEWER_PASSWORD, "new_password": "a-brand-new-password"},
    )
    assert response.status_code == 200
    fresh = bearer(response.json()["access_token"])
    for stale in (web.viewer, older):
        assert (await web.client.get(ME, headers=stale)).status_code == 401
    assert (await web.client.get(ME, headers=fresh)).status_code == 200
    bad = await web.client.post(LOGIN, json={"username": "viewer", "password": VIEWER_PASSWORD})
    assert bad.status_code == 401
    await login(web.client, "viewer", "a-brand-new-password")


async def test_change_password_checks(web: Running) -> None:
    cases = [
        ({"old_password": "wrong-password", "new_password": "a-brand-new-password"}, 400),
        ({"old_password": VIEWER_PASSWORD, "new_password": "short-pw"}, 422),
        ({"old_password": VIEWER_PASSWORD, "new_password": VIEWER_PASSWORD}, 422),
        ({"old_password": VIEWER_PASSWORD}, 422),
    ]
    for body, code in cases:
        response = await web.client.post(CHANGE, headers=web.viewer, json=body)
        assert response.status_code == code, (body, response.text)
        assert VIEWER_PASSWORD not in response.text and "short-pw" not in response.text
    assert (await web.client.get(ME, headers=web.viewer)).status_code == 200  # nothing changed


async def test_wrong_current_passwords_are_rate_limited(web: Running) -> None:
    body = {"old_password": "wrong-password", "new_password": "a-brand-new-password"}
    for _ in range(5):
        assert (await web.client.post(CHANGE, headers=web.viewer, json=body)).status_code == 400
    limited = await web.client.post(
        CHANGE,
        headers=web.viewer,
        json={"old_password": VIEWER_PASSWORD, "new_password": "a-brand-new-password"},
    )
    assert limited.status_code == 429 and "retry-after" in limited.headers


async def test_configured_admin_password(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app(make_settings(tmp_path))
    async with running(app) as client:
        response = await client.post(LOGIN, json={"username": "admin", "password": ADMIN_PASSWORD})
        assert response.json()["must_change_password"] is False
        users = await app.state.repo.list_users()
        assert [(u.username, u.role) for u in users] == [("admin", "admin")]
        assert users[0].password_hash.startswith("$scrypt$v=1$")
    assert ADMIN_PASSWORD not in caplog.text
    # a restart keeps the account and creates nothing
    async with running(create_app(make_settings(tmp_path, admin_password="another-password-xyz"))) as client:
        await login(client, "admin", ADMIN_PASSWORD)


async def test_generated_admin_must_change_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, admin_password="")
    assert settings.admin_password is None
    app = create_app(settings)
    async with running(app) as client:
        printed = capsys.readouterr().err
        match = re.search(r"one-time password (\S+)", printed)
        assert match is not None
        password = match.group(1)
        assert len(password) >= 20
        assert "admin" in caplog.text and password not in caplog.text

        response = await client.post(LOGIN, json={"username": "admin", "password": password})
        assert response.status_code == 200 and response.json()["must_change_password"] is True
        pending = bearer(response.json()["access_token"])
        for method, path in [("GET", ME), ("GET", "/api/v1/workers"), ("GET", "/api/v1/deckies")]:
            blocked = await client.request(method, path, headers=pending)
            assert blocked.status_code == 403 and blocked.json() == {"detail": "password change required"}
        assert (await client.get("/api/v1/health")).status_code == 200

        changed = await client.post(
            CHANGE, headers=pending, json={"old_password": password, "new_password": "my-own-admin-password"}
        )
        assert changed.status_code == 200 and changed.json()["must_change_password"] is False
        fresh = bearer(changed.json()["access_token"])
        assert (await client.get("/api/v1/workers", headers=fresh)).status_code == 200
        assert (await client.get(ME, headers=pending)).status_code == 401
        again = await client.post(LOGIN, json={"username": "admin", "password": "my-own-admin-password"})
        assert again.json()["must_change_password"] is False
    assert password not in caplog.text and "my-own-admin-password" not in caplog.text
    assert password not in capsys.readouterr().err  # printed once only
    # a restart does not print or create anything
    async with running(create_app(make_settings(tmp_path, admin_password=""))) as client:
        await login(client, "admin", "my-own-admin-password")
    assert "one-time password" not in capsys.readouterr().err


async def test_pending_user_can_log_out(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    async with running(app) as client:
        await add_user(app, "newbie", "initial-password-1", "viewer", must_change=True)
        token = bearer(await login(client, "newbie", "initial-password-1"))
        assert (await client.post(LOGOUT, headers=token)).status_code == 204
        body = {"old_password": "initial-password-1", "new_password": "a-brand-new-password"}
        assert (await client.post(CHANGE, headers=token, json=body)).status_code == 401


async def test_signing_key_file_when_no_secret_is_configured(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, jwt_secret="")
    assert settings.jwt_secret is None
    async with running(create_app(settings)) as client:
        token = bearer(await login(client, "admin", ADMIN_PASSWORD))
    assert (tmp_path / "jwt.secret").stat().st_mode & 0o777 == 0o600
    async with running(create_app(settings)) as client:  # same key after a restart
        assert (await client.get(ME, headers=token)).status_code == 200
    async with running(create_app(make_settings(tmp_path))) as client:  # another key: refused
        assert (await client.get(ME, headers=token)).status_code == 401


async def test_no_token_or_password_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """DECNET's loggers at DEBUG, the rest at INFO (aiosqlite's DEBUG shows every query parameter)."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="decnet")
    app = create_app(make_settings(tmp_path))
    secrets = [ADMIN_PASSWORD, "typo-" + ADMIN_PASSWORD, "the-next-admin-password"]
    async with running(app) as client:
        await client.post(LOGIN, json={"username": "admin", "password": secrets[1]})
        await client.post(LOGIN, json={"username": ADMIN_PASSWORD, "password": ADMIN_PASSWORD})
        token = await login(client, "admin", ADMIN_PASSWORD)
        changed = await client.post(
            CHANGE, headers=bearer(token), json={"old_password": ADMIN_PASSWORD, "new_password": secrets[2]}
        )
        fresh = changed.json()["access_token"]
        await client.get(ME, headers=bearer(token))
        await client.post(LOGOUT, headers=bearer(fresh))
    assert "logged in" in caplog.text and "failed login" in caplog.text
    for secret in [*secrets, token, fresh, token.split(".")[2]]:
        assert secret not in caplog.text
