"""Dependencies of the API routes: the authenticated account and role checks.

Every authenticated request re-reads its account, so a deleted account, a changed role or a
changed password takes effect at once (tokens carry a keyed digest of the password hash).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from decnet.db.models import User
from decnet.db.repository import SQLModelRepository
from decnet.web.auth import ROLES, AuthService, role_allows
from decnet.web.deps import RepoDep
from decnet.web.revocations import RepositoryRevocations
from decnet.web.schemas import ErrorOut
from decnet.web.security import TokenClaims, TokenError
from decnet.web.session import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, csrf_ok

#: Detail of the 403 answered while the account must change its password.
PASSWORD_CHANGE_REQUIRED = "password change required"  # noqa: S105 (a message)

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from POST /api/v1/auth/login, sent as `Authorization: Bearer <token>`.",
)

#: OpenAPI ``responses`` of routes that need a token.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, invalid, expired or revoked token."},
    403: {"model": ErrorOut, "description": "Role too low, or a password change is required."},
}


def _unauthorized(detail: str = "not authenticated") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def get_auth(request: Request) -> AuthService:
    """The app's :class:`AuthService` (``app.state.auth``); 503 before start-up completed."""
    auth = getattr(request.app.state, "auth", None)
    if auth is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="authentication is not ready")
    return cast(AuthService, auth)


async def auth_dependency(request: Request) -> AuthService:
    """:func:`get_auth` as a dependency (async: FastAPI runs plain ``def`` ones in its thread pool)."""
    return get_auth(request)


AuthDep = Annotated[AuthService, Depends(auth_dependency)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The account behind a request and the claims of its token."""

    user: User
    claims: TokenClaims

    @property
    def username(self) -> str:
        """The account's name."""
        return self.user.username

    @property
    def role(self) -> str:
        """The account's role (from storage, not from the token)."""
        return self.user.role


async def authenticate(repo: SQLModelRepository, auth: AuthService, token: str) -> Principal:
    """The account of a valid, unrevoked ``token`` bound to the current password; 401 otherwise."""
    try:
        claims = auth.signer.verify(token)
    except TokenError:
        raise _unauthorized("invalid or expired token") from None
    revocations = auth.revocations
    if isinstance(revocations, RepositoryRevocations) and revocations.repo is repo:
        user, revoked = await revocations.user_unless_revoked(claims.sub, claims.jti)  # one round trip
    else:
        revoked = await revocations.is_revoked(claims.jti)
        user = None if revoked else await repo.get_user_by_username(claims.sub)
    if revoked:
        raise _unauthorized("invalid or expired token")
    if user is None or claims.extra.get("pwv") != auth.password_version(user.password_hash):
        raise _unauthorized("invalid or expired token")
    if user.role not in ROLES:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not enough privileges")
    return Principal(user, claims)


async def get_principal_pending_ok(
    request: Request,
    repo: RepoDep,
    auth: AuthDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated account, even one that must change its password; 401 otherwise.

    The bearer token is used when given; otherwise the dashboard's session cookie, and then a
    state-changing method must carry the session's CSRF token (``X-CSRF-Token``; 403 if not).
    """
    if request.headers.get("authorization") is not None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized()
        return await authenticate(repo, auth, credentials.credentials)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise _unauthorized()
    principal = await authenticate(repo, auth, cookie)
    if request.method not in SAFE_METHODS and not csrf_ok(
        auth, principal.claims.jti, request.headers.get(CSRF_HEADER)
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or wrong CSRF token")
    return principal


PendingPrincipalDep = Annotated[Principal, Depends(get_principal_pending_ok)]


async def get_principal(principal: PendingPrincipalDep) -> Principal:
    """The authenticated account; 403 while it must change its password."""
    if principal.user.must_change_password:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=PASSWORD_CHANGE_REQUIRED)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(role: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through accounts of ``role`` or higher (403 otherwise)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")

    async def check(principal: PrincipalDep) -> Principal:
        if not role_allows(principal.role, role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not enough privileges")
        return principal

    check.__name__ = f"require_{role}"
    return check


ViewerDep = Annotated[Principal, Depends(require_role("viewer"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
