"""Configured accounts of the login services (``users = "alice:secret, bob:*"``; ``*`` = any password)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from decnet.services import accounts

_USERNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}")
ANY_PASSWORD = accounts.ANY_PASSWORD


def parse_users(value: object) -> dict[str, str]:
    """Accept ``"u:p, u2:p2"``, a list of ``"u:p"`` or a mapping; return ``{user: password}``."""
    return accounts.parse_users(value, _USERNAME)


def check(users: Mapping[str, str], username: str, password: str) -> bool:
    """True if ``username``/``password`` is a configured account."""
    return accounts.check_password(users, username, password)
