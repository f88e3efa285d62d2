"""Revoked token ids kept in the repository: logouts survive restarts and are shared by replicas.

Each row lives until its token would have expired; expired rows are deleted as new ones are
added (at most once a minute per process), so the table stays as small as the set of live,
logged-out tokens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select
from sqlalchemy import exc as sa_exc

from decnet.db.models import User, revoked_token_table, user_table
from decnet.db.repository import SQLModelRepository

#: Seconds between two cleanups of expired rows by one process.
PRUNE_INTERVAL_S = 60.0


def _at(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _user_unless_revoked() -> Any:
    r, u = revoked_token_table, user_table
    revoked = exists().where(
        r.c.jti == bindparam("jti"), r.c.expires_at > bindparam("now", type_=r.c.expires_at.type)
    )
    return select(u, revoked.label("revoked")).where(u.c.username == bindparam("username"))


#: The account and whether its token is revoked; built once (it runs on every request).
_USER_UNLESS_REVOKED = _user_unless_revoked()


class RepositoryRevocations:
    """A :class:`decnet.web.auth.TokenRevocations` on the ``revoked_token`` table."""

    def __init__(self, repo: SQLModelRepository, clock: Callable[[], float] = time.time) -> None:
        self._repo = repo
        #: The repository the rows live in.
        self.repo = repo
        self._clock = clock
        self._last_prune = float("-inf")

    async def prune(self) -> int:
        """Delete the rows of expired tokens; return how many."""
        self._last_prune = self._clock()
        t = revoked_token_table
        async with self._repo.transaction() as conn:
            result = await conn.execute(delete(t).where(t.c.expires_at <= _at(self._clock())))
        return int(result.rowcount or 0)

    async def revoke(self, jti: str, expires_at: float) -> None:
        """Refuse ``jti`` until ``expires_at`` (revoking twice is harmless)."""
        if self._clock() - self._last_prune >= PRUNE_INTERVAL_S:
            await self.prune()
        try:
            async with self._repo.transaction() as conn:
                await conn.execute(insert(revoked_token_table).values(jti=jti, expires_at=_at(expires_at)))
        except sa_exc.IntegrityError:
            pass  # already revoked

    async def is_revoked(self, jti: str) -> bool:
        """True if ``jti`` was revoked and its token has not expired yet."""
        t = revoked_token_table
        stmt = select(t.c.jti).where(t.c.jti == jti, t.c.expires_at > _at(self._clock()))
        async with self._repo.transaction() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def user_unless_revoked(self, username: str, jti: str) -> tuple[User | None, bool]:
        """The account ``username`` and whether token ``jti`` is revoked, in one query (every request's)."""
        params = {"username": username, "jti": jti, "now": _at(self._clock())}
        row = await self._repo.read(lambda conn: conn.execute(_USER_UNLESS_REVOKED, params).first())
        if row is None:
            return None, await self.is_revoked(jti)
        values = dict(row._mapping)
        is_revoked = bool(values.pop("revoked"))
        return User(**values), is_revoked
