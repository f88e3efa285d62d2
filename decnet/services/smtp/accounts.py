"""Configured accounts of the login services (``users = "alice:secret, bob:*"``; ``*`` = any password)."""

from __future__ import annotations

import re
from collections.abc import Mapping

_USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}")
ANY_PASSWORD = "*"  # noqa: S105 - a wildcard, not a credential
_MAX_USERS = 64
_MAX_PASSWORD = 128


def parse_users(value: object) -> dict[str, str]:
    """Accept ``"u:p, u2:p2"``, a list of ``"u:p"`` or a mapping; return ``{user: password}``."""
    if isinstance(value, Mapping):
        pairs = [(str(k).strip(), str(v)) for k, v in value.items()]
    else:
        if isinstance(value, str):
            items = [part for part in value.split(",") if part.strip()]
        elif isinstance(value, list | tuple):
            items = [str(part) for part in value]
        else:
            raise ValueError("users must be 'user:password, ...', a list of 'user:password' or a mapping")
        pairs = []
        for item in items:
            user, sep, password = item.strip().partition(":")
            if not sep:
                raise ValueError(f"users entry {item.strip()!r} is not 'user:password'")
            pairs.append((user.strip(), password.strip()))
    if len(pairs) > _MAX_USERS:
        raise ValueError(f"at most {_MAX_USERS} users")
    users: dict[str, str] = {}
    for user, password in pairs:
        if not _USERNAME.fullmatch(user):
            raise ValueError(f"invalid user name {user!r}")
        if not password or len(password) > _MAX_PASSWORD or not password.isprintable():
            raise ValueError(f"password of {user!r} must be 1-{_MAX_PASSWORD} printable characters")
        if user in users:
            raise ValueError(f"user {user!r} listed twice")
        users[user] = password
    return users


def check(users: Mapping[str, str], username: str, password: str) -> bool:
    """True if ``username``/``password`` is a configured account."""
    expected = users.get(username)
    return expected is not None and expected in (ANY_PASSWORD, password)
