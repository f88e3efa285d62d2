"""``/api/v1/auth``: login, logout, password change and the current account."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, HTTPException, Request, Response, status

from decnet.db.models import User
from decnet.web.api.deps import AUTH_RESPONSES, AuthDep, PendingPrincipalDep, PrincipalDep
from decnet.web.auth import AuthService
from decnet.web.deps import RepoDep
from decnet.web.schemas import ChangePasswordRequest, ErrorOut, LoginRequest, TokenOut, UserOut
from decnet.web.security import hash_password

log = logging.getLogger("decnet.web")

router = APIRouter(prefix="/auth", tags=["auth"])

_RATE_LIMITED: dict[int | str, dict[str, object]] = {
    429: {
        "model": ErrorOut,
        "description": "Too many failed attempts from this address or for this account; see Retry-After.",
    }
}


def client_ip(request: Request) -> str:
    """The peer address of the request (proxy headers are not trusted)."""
    return request.client.host if request.client is not None else "unknown"


def _check_rate(auth: AuthService, ip: str, username: str) -> None:
    wait = auth.limiter.retry_after(ip, username)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="too many failed attempts; try again later",
            headers={"Retry-After": str(wait)},
        )


def _token_out(auth: AuthService, user: User) -> TokenOut:
    token, _claims = auth.issue(user)
    return TokenOut(
        access_token=token, expires_in=auth.token_ttl_s, must_change_password=user.must_change_password
    )


@router.post(
    "/login",
    summary="Log in and get a bearer token",
    response_model=TokenOut,
    responses={401: {"model": ErrorOut, "description": "Wrong username or password."}, **_RATE_LIMITED},
)
async def login(body: LoginRequest, request: Request, repo: RepoDep, auth: AuthDep) -> TokenOut:
    """Exchange a username and password for a token valid ``expires_in`` seconds.

    Unknown usernames and wrong passwords get the same answer after the same work. After
    repeated failures from one address or for one username the answer is 429 with Retry-After.
    """
    ip = client_ip(request)
    _check_rate(auth, ip, body.username)
    user = await repo.get_user_by_username(body.username)
    if not await auth.check_password(user, body.password) or user is None:
        auth.limiter.record_failure(ip, body.username)
        if user is None:
            log.warning("failed login for an unknown account from %s", ip)
        else:
            log.warning("failed login for account %r from %s", user.username, ip)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="invalid username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    auth.limiter.reset_user(body.username)
    log.info("account %r logged in from %s", user.username, ip)
    return _token_out(auth, user)


@router.post(
    "/logout",
    summary="Revoke the token of this request",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={401: AUTH_RESPONSES[401]},
)
async def logout(principal: PendingPrincipalDep, auth: AuthDep) -> Response:
    """Revoke the bearer token used for this request until it would have expired."""
    await auth.revocations.revoke(principal.claims.jti, float(principal.claims.exp))
    log.info("account %r logged out", principal.username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/change-password",
    summary="Change the password of the current account",
    response_model=TokenOut,
    responses={
        400: {"model": ErrorOut, "description": "The current password is wrong."},
        401: AUTH_RESPONSES[401],
        **_RATE_LIMITED,
    },
)
async def change_password(
    body: ChangePasswordRequest,
    request: Request,
    principal: PendingPrincipalDep,
    repo: RepoDep,
    auth: AuthDep,
) -> TokenOut:
    """Replace the password (at least 12 characters) and clear the must-change flag.

    Every token issued before, this one included, stops working; use the returned token.
    """
    ip = client_ip(request)
    _check_rate(auth, ip, principal.username)
    if not await auth.check_password(principal.user, body.old_password):
        auth.limiter.record_failure(ip, principal.username)
        log.warning(
            "wrong current password in a password change of account %r from %s", principal.username, ip
        )
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="current password is incorrect")
    if body.new_password == body.old_password:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="the new password must differ from the current one"
        )
    new_hash = await asyncio.to_thread(hash_password, body.new_password)
    if not await repo.update_user_password(principal.username, new_hash, must_change_password=False):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="invalid or expired token")
    await auth.revocations.revoke(principal.claims.jti, float(principal.claims.exp))
    log.info("account %r changed its password", principal.username)
    user = await repo.get_user_by_username(principal.username)
    if user is None:  # deleted meanwhile
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="invalid or expired token")
    return _token_out(auth, user)


@router.get("/me", summary="The current account", response_model=UserOut, responses=AUTH_RESPONSES)
async def me(principal: PrincipalDep) -> UserOut:
    """Username, role and must-change flag of the token's account."""
    user = principal.user
    return UserOut(username=user.username, role=user.role, must_change_password=user.must_change_password)
