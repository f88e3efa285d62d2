"""Logout is stored in the repository: it survives a restart and holds on every replica."""

from __future__ import annotations

from pathlib import Path

from decnet.web.app import create_app
from decnet.web.revocations import RepositoryRevocations
from tests.decnet.web.conftest import ADMIN_PASSWORD, bearer, login, make_settings, running


async def test_logout_holds_on_another_replica_and_after_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first, second = create_app(settings), create_app(settings)
    async with running(first) as client, running(second) as other:
        token = bearer(await login(client, "admin", ADMIN_PASSWORD))
        assert (await other.get("/api/v1/auth/me", headers=token)).status_code == 200
        assert (await client.post("/api/v1/auth/logout", headers=token)).status_code == 204
        assert (await other.get("/api/v1/auth/me", headers=token)).status_code == 401
    async with running(create_app(settings)) as restarted:
        assert (await restarted.get("/api/v1/auth/me", headers=token)).status_code == 401


async def test_expired_rows_are_pruned(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    async with running(app):
        now = [1_000_000.0]
        revoked = RepositoryRevocations(app.state.repo, clock=lambda: now[0])
        await revoked.revoke("a", now[0] + 10)
        await revoked.revoke("a", now[0] + 10)  # twice is harmless
        await revoked.revoke("b", now[0] + 100)
        assert await revoked.is_revoked("a") and await revoked.is_revoked("b")
        assert not await revoked.is_revoked("c")
        now[0] += 50
        assert not await revoked.is_revoked("a")  # expired: the token itself is refused anyway
        assert await revoked.prune() == 1
        assert await revoked.is_revoked("b")


async def test_user_and_revocation_in_one_query(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    async with running(app):
        revoked = RepositoryRevocations(app.state.repo)
        user, is_revoked = await revoked.user_unless_revoked("admin", "j1")
        assert user is not None and user.username == "admin" and user.role == "admin" and not is_revoked
        await revoked.revoke("j1", 4_102_444_800.0)
        assert (await revoked.user_unless_revoked("admin", "j1"))[1] is True
        assert await revoked.user_unless_revoked("ghost", "j1") == (None, True)
        assert await revoked.user_unless_revoked("ghost", "j2") == (None, False)
