"""Accounts that "log in" to a stream service: ``user:password, ...`` as the ssh service takes them."""

from __future__ import annotations

import re

from decnet.services import accounts

MAX_USERS = accounts.MAX_USERS
MAX_PASSWORD = accounts.MAX_PASSWORD
_USERNAME = re.compile(r"^[A-Za-z0-9_.@$-]{1,64}$")


def parse_users(value: object) -> dict[str, str]:
    """Accept ``"u:p, u2:p2"``, a list of ``"u:p"`` or a mapping; return ``{user: password}``."""
    return accounts.parse_users(value, _USERNAME)
