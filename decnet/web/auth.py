"""Authentication state of one app: token signer, revoked tokens, login rate limit, first admin.

The revocation list and the rate limiter live in the process's memory: they are lost on a
restart (a revoked token is then accepted again until it expires, at most the token lifetime)
and are not shared between replicas unless a shared :class:`TokenRevocations` is passed to
:func:`decnet.web.app.create_app`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from decnet.config.settings import Settings
from decnet.db.errors import AlreadyExists
from decnet.db.models import User
from decnet.db.repository import SQLModelRepository
from decnet.web.security import (
    PASSWORD_MIN_LENGTH,
    TokenClaims,
    TokenSigner,
    hash_password,
    verify_password,
)

log = logging.getLogger("decnet.web")

#: Roles, each including the rights of those before it.
ROLES: tuple[str, ...] = ("viewer", "admin")
#: Username of the account created on first start.
FIRST_ADMIN = "admin"


def role_allows(role: str, required: str) -> bool:
    """True if an account of ``role`` may call a route that requires ``required``."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(required)


@runtime_checkable
class TokenRevocations(Protocol):
    """Where revoked token ids (``jti``) are kept until the tokens expire."""

    async def revoke(self, jti: str, expires_at: float) -> None:
        """Refuse token ``jti`` from now until ``expires_at`` (UNIX time)."""
        ...

    async def is_revoked(self, jti: str) -> bool:
        """True if token ``jti`` was revoked."""
        ...


class InMemoryRevocations:
    """Revoked token ids in this process's memory, each forgotten once its token has expired."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._expiry: dict[str, float] = {}
        self._clock = clock

    def _prune(self) -> None:
        now = self._clock()
        for jti in [j for j, exp in self._expiry.items() if exp <= now]:
            del self._expiry[jti]

    async def revoke(self, jti: str, expires_at: float) -> None:
        """Refuse ``jti`` until ``expires_at``."""
        self._prune()
        self._expiry[jti] = expires_at

    async def is_revoked(self, jti: str) -> bool:
        """True if ``jti`` was revoked and has not expired yet."""
        return jti in self._expiry

    def __len__(self) -> int:
        return len(self._expiry)


class LoginRateLimiter:
    """At most ``max_failures`` failed logins per ``window_s`` seconds, per source address and per username.

    Keys are bounded (``max_keys`` each, oldest forgotten first) so a flood of distinct
    usernames or addresses cannot grow memory without limit.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 300.0,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1 or window_s <= 0:
            raise ValueError("expected max_failures >= 1 and window_s > 0")
        self.max_failures = max_failures
        self.window_s = window_s
        self._max_keys = max_keys
        self._clock = clock
        self._by_ip: OrderedDict[str, deque[float]] = OrderedDict()
        self._by_user: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, table: OrderedDict[str, deque[float]], key: str, now: float) -> deque[float] | None:
        stamps = table.get(key)
        if stamps is None:
            return None
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        if not stamps:
            del table[key]
            return None
        return stamps

    def retry_after(self, ip: str, username: str) -> int | None:
        """Seconds until another attempt is allowed, or None if one is allowed now."""
        now = self._clock()
        waits: list[float] = []
        for table, key in ((self._by_ip, ip), (self._by_user, username)):
            stamps = self._recent(table, key, now)
            if stamps is not None and len(stamps) >= self.max_failures:
                waits.append(stamps[-self.max_failures] + self.window_s - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def record_failure(self, ip: str, username: str) -> None:
        """Count one failed attempt from ``ip`` for ``username``."""
        now = self._clock()
        for table, key in ((self._by_ip, ip), (self._by_user, username)):
            stamps = self._recent(table, key, now)
            if stamps is None:
                stamps = table[key] = deque(maxlen=self.max_failures)
            stamps.append(now)
            table.move_to_end(key)
            while len(table) > self._max_keys:
                table.popitem(last=False)

    def reset_user(self, username: str) -> None:
        """Forget the failures of ``username`` (after a successful login); the address keeps its count."""
        self._by_user.pop(username, None)


@dataclass
class AuthService:
    """Everything the auth routes and dependencies share, kept on ``app.state.auth``."""

    signer: TokenSigner
    token_ttl_s: int
    limiter: LoginRateLimiter
    revocations: TokenRevocations
    #: A hash of a random password, verified against when the username is unknown (same timing).
    dummy_hash: str = field(default="")

    def password_version(self, password_hash: str) -> str:
        """The ``pwv`` claim: changes whenever the password does, so older tokens stop working."""
        return self.signer.mac(password_hash.encode("utf-8"))

    def issue(self, user: User) -> tuple[str, TokenClaims]:
        """A token for ``user``, bound to its current password."""
        return self.signer.issue(
            user.username, self.token_ttl_s, {"pwv": self.password_version(user.password_hash)}
        )

    async def check_password(self, user: User | None, password: str) -> bool:
        """Verify ``password`` off the event loop; an unknown user costs the same and fails."""
        if user is None:
            await asyncio.to_thread(verify_password, password, self.dummy_hash)
            return False
        return await asyncio.to_thread(verify_password, password, user.password_hash)


async def new_auth_service(
    signing_key: bytes,
    *,
    token_ttl_s: int,
    limiter: LoginRateLimiter,
    revocations: TokenRevocations,
) -> AuthService:
    """An :class:`AuthService` with its dummy hash computed (off the event loop)."""
    dummy = await asyncio.to_thread(hash_password, secrets.token_urlsafe(24))
    return AuthService(TokenSigner(signing_key), token_ttl_s, limiter, revocations, dummy)


async def ensure_first_admin(repo: SQLModelRepository, settings: Settings) -> bool:
    """Create the ``admin`` account if there is no account at all; True if this call created it.

    With ``settings.admin_password`` the account is ready to use. Without it, a random password
    is generated, printed once on stderr (nowhere else) and must be changed at first login.
    """
    if await repo.count_users() > 0:
        return False
    configured = settings.admin_password
    password = configured.get_secret_value() if configured is not None else secrets.token_urlsafe(18)
    if configured is not None and len(password) < PASSWORD_MIN_LENGTH:
        log.warning(
            "admin_password is shorter than %d characters; change it after the first login",
            PASSWORD_MIN_LENGTH,
        )
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        await repo.create_user(
            FIRST_ADMIN, password_hash, role="admin", must_change_password=configured is None
        )
    except AlreadyExists:  # another replica created it first
        return False
    if configured is None:
        print(
            f"DECNET: created the first admin account {FIRST_ADMIN!r} with the one-time password "
            f"{password}\nDECNET: it must be changed at the first login; it is not shown again.",
            file=sys.stderr,
            flush=True,
        )
        log.warning(
            "created the first admin account %r with a generated password (printed once on stderr); "
            "it must be changed at the first login",
            FIRST_ADMIN,
        )
    else:
        log.info("created the first admin account %r with the configured admin_password", FIRST_ADMIN)
    return True
