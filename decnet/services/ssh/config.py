"""Configuration of the ssh service (the ``[decky.ssh]`` INI section)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from decnet.services import accounts
from decnet.services.base import ServiceConfig

#: What a configured account name may look like (roughly useradd's rule).
_USERNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
#: A password of ``*`` accepts any password for that account.
ANY_PASSWORD = accounts.ANY_PASSWORD


def _parse_users(value: object) -> dict[str, str]:
    """Accept ``"u:p, u2:p2"``, ``["u:p", ...]`` or ``{"u": "p"}``; return ``{user: password}``."""
    return accounts.parse_users(value, _USERNAME)


class SSHConfig(ServiceConfig):
    """Options of the ssh service; unknown keys are an error."""

    users: dict[str, str] = Field(
        default_factory=dict,
        description="Accounts that log in to the fake shell: 'user:password, ...' ('*' = any password).",
    )
    max_auth_tries: int = Field(
        6, ge=1, le=100, description="Failed attempts before disconnect (MaxAuthTries)."
    )
    login_grace_time: float = Field(
        120.0, gt=0, le=3600, description="Seconds to authenticate (LoginGraceTime)."
    )
    max_sessions: int = Field(10, ge=1, le=100, description="Open sessions per connection (MaxSessions).")
    max_startups: str = Field(
        "10:30:100", description="Unauthenticated connections: start:rate:full, as sshd's MaxStartups."
    )
    max_connections: int = Field(256, ge=1, le=10_000, description="Open connections of this service.")
    idle_timeout: float = Field(
        900.0, ge=0, le=86_400, description="Close a logged-in connection idle this long (0 = never)."
    )
    fetch_payloads: bool = Field(False, description="Reserved: download URLs are recorded, never fetched.")

    @field_validator("users", mode="before")
    @classmethod
    def _users(cls, value: object) -> dict[str, str]:
        return _parse_users(value)

    @field_validator("max_startups")
    @classmethod
    def _startups(cls, value: str) -> str:
        parts = value.strip().split(":")
        try:
            numbers = [int(part) for part in parts]
        except ValueError:
            raise ValueError("max_startups must be 'start' or 'start:rate:full'") from None
        if len(numbers) == 1:
            numbers = [numbers[0], 100, numbers[0]]
        if len(numbers) != 3:
            raise ValueError("max_startups must be 'start' or 'start:rate:full'")
        start, rate, full = numbers
        if not (1 <= start <= full and 0 <= rate <= 100):
            raise ValueError("max_startups needs 1 <= start <= full and 0 <= rate <= 100")
        return f"{start}:{rate}:{full}"

    @model_validator(mode="after")
    def _ports(self) -> SSHConfig:
        for port in self.ports or ():
            if not 0 < port < 65536:
                raise ValueError(f"port {port} out of range")
        return self

    @property
    def startups(self) -> tuple[int, int, int]:
        """``max_startups`` as (start, rate, full)."""
        start, rate, full = (int(part) for part in self.max_startups.split(":"))
        return start, rate, full

    def check_password(self, username: str, password: str) -> bool:
        """True if ``username``/``password`` is a configured account."""
        expected = self.users.get(username)
        return expected is not None and expected in (ANY_PASSWORD, password)
