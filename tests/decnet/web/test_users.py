"""``/api/v1/users``: admins manage accounts; hashes never leave; safety rules hold."""

from __future__ import annotations

from tests.decnet.web.conftest import ADMIN_PASSWORD, Running, bearer, login

USERS = "/api/v1/users"


async def test_create_list_and_no_hash_anywhere(web: Running) -> None:
    body = {"username": "alice", "password": "alice-password-1", "role": "admin"}
    created = await web.client.post(USERS, headers=web.admin, json=body)
    assert created.status_code == 201
    assert created.json()["role"] == "admin" and created.json()["must_change_password"] is True
    listed = await web.client.get(USERS, headers=web.admin)
    assert [u["username"] for u in listed.json()] == ["admin", "alice", "viewer"]
    assert "scrypt" not in listed.text and "password_hash" not in listed.text
    again = await web.client.post(USERS, headers=web.admin, json=body)
    assert again.status_code == 409


async def test_new_accounts_must_change_their_password(web: Running) -> None:
    body = {"username": "bob", "password": "bob-password-123", "role": "viewer"}
    await web.client.post(USERS, headers=web.admin, json=body)
    token = bearer(await login(web.client, "bob", "bob-password-123"))
    assert (await web.client.get("/api/v1/events", headers=token)).status_code == 403


async def test_bad_usernames_and_short_passwords_are_refused(web: Running) -> None:
    for body in (
        {"username": "<script>", "password": "long-enough-pass", "role": "viewer"},
        {"username": "carol", "password": "short", "role": "viewer"},
        {"username": "carol", "password": "long-enough-pass", "role": "root"},
    ):
        assert (await web.client.post(USERS, headers=web.admin, json=body)).status_code == 422


async def test_role_change_takes_effect_at_once(web: Running) -> None:
    assert (await web.client.get(USERS, headers=web.viewer)).status_code == 403
    response = await web.client.patch(f"{USERS}/viewer", headers=web.admin, json={"role": "admin"})
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert (await web.client.get(USERS, headers=web.viewer)).status_code == 200  # same token
    assert (
        await web.client.patch(f"{USERS}/admin", headers=web.admin, json={"role": "viewer"})
    ).status_code == 409
    assert (
        await web.client.patch(f"{USERS}/ghost", headers=web.admin, json={"role": "viewer"})
    ).status_code == 404


async def test_reset_password_ends_sessions_and_forces_a_change(web: Running) -> None:
    response = await web.client.post(
        f"{USERS}/viewer/reset-password", headers=web.admin, json={"password": "temporary-pass-1"}
    )
    assert response.status_code == 200 and response.json()["must_change_password"] is True
    assert (await web.client.get("/api/v1/auth/me", headers=web.viewer)).status_code == 401
    token = bearer(await login(web.client, "viewer", "temporary-pass-1"))
    assert (await web.client.get("/api/v1/events", headers=token)).status_code == 403
    own = await web.client.post(
        f"{USERS}/admin/reset-password", headers=web.admin, json={"password": "x" * 12}
    )
    assert own.status_code == 409


async def test_delete_revokes_and_protects_self_and_last_admin(web: Running) -> None:
    assert (await web.client.delete(f"{USERS}/admin", headers=web.admin)).status_code == 409
    assert (await web.client.delete(f"{USERS}/viewer", headers=web.admin)).status_code == 204
    assert (await web.client.get("/api/v1/auth/me", headers=web.viewer)).status_code == 401
    assert (await web.client.delete(f"{USERS}/viewer", headers=web.admin)).status_code == 404
    await web.client.post(
        USERS, headers=web.admin, json={"username": "ops", "password": "ops-password-12", "role": "admin"}
    )
    await web.repo.update_user_password(
        "ops", (await web.repo.get_user_by_username("ops")).password_hash, must_change_password=False
    )  # type: ignore[union-attr]
    ops = bearer(await login(web.client, "ops", "ops-password-12"))
    assert (await web.client.delete(f"{USERS}/admin", headers=ops)).status_code == 204
    assert (await web.client.get("/api/v1/auth/me", headers=web.admin)).status_code == 401
    assert ADMIN_PASSWORD  # the first admin is gone; ops is now the last admin
    assert (await web.client.get(USERS, headers=ops)).json()[0]["username"] == "ops"
