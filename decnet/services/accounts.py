"""Accounts that "log in" to a service: ``users = "alice:secret, bob:*"`` (``*`` = any password).

Every login service (ssh, telnet, ftp, mail, the databases, ...) takes its configured accounts
in this one form; each passes the account-name rule of the product it imitates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: A password of ``*`` accepts any password for that account.
ANY_PASSWORD = "*"  # noqa: S105 - a wildcard, not a credential
MAX_USERS = 64
MAX_PASSWORD = 128
#: Default account-name rule (letters, digits and ``_.@$+-``, at most 64).
DEFAULT_USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@$+-]{0,63}")


def parse_users(value: object, username: re.Pattern[str] = DEFAULT_USERNAME) -> dict[str, str]:
    """Accept ``"u:p, u2:p2"``, a list of ``"u:p"`` or a mapping; return ``{user: password}``.

    ``ValueError`` names the bad entry: not ``user:password``, a name ``username`` refuses, an
    empty, overlong or unprintable password, a name listed twice, or more than MAX_USERS.
    """
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
    if len(pairs) > MAX_USERS:
        raise ValueError(f"at most {MAX_USERS} users")
    users: dict[str, str] = {}
    for user, password in pairs:
        if not username.fullmatch(user):
            raise ValueError(f"invalid user name {user!r}")
        if not password or len(password) > MAX_PASSWORD or not password.isprintable():
            raise ValueError(f"password of {user!r} must be 1-{MAX_PASSWORD} printable characters")
        if user in users:
            raise ValueError(f"user {user!r} listed twice")
        users[user] = password
    return users


def check_password(users: Mapping[str, str], name: str, password: str) -> bool:
    """True if ``name``/``password`` is a configured account (``*`` accepts any password)."""
    expected = users.get(name)
    return expected is not None and expected in (ANY_PASSWORD, password)
