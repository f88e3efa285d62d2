"""Account administration the repository does not offer (role changes), and its safety rules."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from decnet.db.models import user_table
from decnet.db.repository import SQLModelRepository

#: Usernames an admin may create: letters, digits, ``_ . -``, 1 to 64 characters.
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
_USERNAME = re.compile(USERNAME_PATTERN)


def valid_username(name: str) -> bool:
    """True if ``name`` may be given to a new account."""
    return _USERNAME.fullmatch(name) is not None


async def set_role(repo: SQLModelRepository, username: str, role: str) -> bool:
    """Give ``username`` the role ``role``; False if there is no such account."""
    t = user_table
    async with repo.transaction() as conn:
        result = await conn.execute(update(t).where(t.c.username == username).values(role=role))
    return bool(result.rowcount)


async def count_admins(repo: SQLModelRepository) -> int:
    """Number of admin accounts."""
    t = user_table
    async with repo.transaction() as conn:
        return int((await conn.execute(select(func.count()).where(t.c.role == "admin"))).scalar_one())
