"""``/api/v1/users``: account administration (admins only). Password hashes are never returned."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status

from decnet.db.errors import AlreadyExists
from decnet.db.models import User
from decnet.web.api.deps import AUTH_RESPONSES, AdminDep
from decnet.web.deps import RepoDep
from decnet.web.schemas import USERNAME_REGEX, AccountOut, ErrorOut, PasswordReset, RoleChange, UserCreate
from decnet.web.security import hash_password
from decnet.web.users import count_admins, set_role

log = logging.getLogger("decnet.web")

router = APIRouter(prefix="/users", tags=["users"])

Username = Annotated[str, Path(pattern=USERNAME_REGEX, description="Account name.")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such account."}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Would leave no admin, or acts on the caller's own account."}
}


def account_out(user: User) -> AccountOut:
    """The admin view of an account."""
    return AccountOut(
        username=user.username,
        role=user.role,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
    )


@router.get("", summary="List accounts", response_model=list[AccountOut], responses=AUTH_RESPONSES)
async def list_users(_: AdminDep, repo: RepoDep) -> list[AccountOut]:
    """Every account by name: role, must-change flag, creation time."""
    return [account_out(user) for user in await repo.list_users()]


@router.post(
    "",
    summary="Create an account",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountOut,
    responses={**AUTH_RESPONSES, 409: {"model": ErrorOut, "description": "The username is taken."}},
)
async def create_user(body: UserCreate, principal: AdminDep, repo: RepoDep) -> AccountOut:
    """A new account with ``role``; it must change the given password at its first login."""
    password_hash = await asyncio.to_thread(hash_password, body.password)
    try:
        user = await repo.create_user(body.username, password_hash, role=body.role, must_change_password=True)
    except AlreadyExists:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="username taken") from None
    log.info("account %r created account %r (%s)", principal.username, user.username, user.role)
    return account_out(user)


@router.patch(
    "/{username}",
    summary="Change an account's role",
    response_model=AccountOut,
    responses={**AUTH_RESPONSES, **_NOT_FOUND, **_CONFLICT},
)
async def change_role(username: Username, body: RoleChange, principal: AdminDep, repo: RepoDep) -> AccountOut:
    """Give the account ``role``; effective at its next request. Admins cannot demote themselves."""
    user = await repo.get_user_by_username(username)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    if username == principal.username and body.role != user.role:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="you cannot change your own role")
    await set_role(repo, username, body.role)
    log.info("account %r gave account %r the role %s", principal.username, username, body.role)
    updated = await repo.get_user_by_username(username)
    if updated is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    return account_out(updated)


@router.post(
    "/{username}/reset-password",
    summary="Reset an account's password",
    response_model=AccountOut,
    responses={**AUTH_RESPONSES, **_NOT_FOUND, **_CONFLICT},
)
async def reset_password(
    username: Username, body: PasswordReset, principal: AdminDep, repo: RepoDep
) -> AccountOut:
    """Set a temporary password: the account's tokens stop working and it must change it at login."""
    if username == principal.username:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="use change-password for your own account")
    password_hash = await asyncio.to_thread(hash_password, body.password)
    if not await repo.update_user_password(username, password_hash, must_change_password=True):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    log.info("account %r reset the password of account %r", principal.username, username)
    user = await repo.get_user_by_username(username)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    return account_out(user)


@router.delete(
    "/{username}",
    summary="Delete an account",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**AUTH_RESPONSES, **_NOT_FOUND, **_CONFLICT},
)
async def delete_user(username: Username, principal: AdminDep, repo: RepoDep) -> Response:
    """Delete the account (its tokens stop working at once). Admins cannot delete themselves."""
    if username == principal.username:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="you cannot delete your own account")
    user = await repo.get_user_by_username(username)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such account")
    if user.role == "admin" and await count_admins(repo) <= 1:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="the last admin cannot be deleted")
    await repo.delete_user(username)
    log.info("account %r deleted account %r", principal.username, username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
