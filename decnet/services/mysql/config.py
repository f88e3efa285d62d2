"""Options of the mysql service."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig, parse_users


class MySQLConfig(StreamConfig):
    """What an operator may set for a decky's MySQL/MariaDB; unknown keys are rejected."""

    version: str | None = Field(
        None,
        pattern=r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,3}[A-Za-z0-9.+~_-]{0,60}$",
        description="Server version as SELECT VERSION() prints it; default: the persona's.",
    )
    auth_plugin: Literal["mysql_native_password", "caching_sha2_password"] | None = Field(
        None, description="Plugin the greeting offers; default: caching_sha2 for MySQL 8, native otherwise."
    )
    tls: bool | None = Field(
        None, description="Offer SSL with the decky's certificate; default: MySQL 5.7+/8.0 yes, MariaDB no."
    )
    users: dict[str, str] = Field(
        default_factory=dict, description="Accounts that log in: 'user:password, ...'."
    )
    databases: tuple[str, ...] = Field(
        ("app", "wordpress"), description="Bait databases SHOW DATABASES lists."
    )
    max_packet: int = Field(1 << 20, ge=4096, le=16 << 20, description="Largest client packet read.")

    @field_validator("users", mode="before")
    @classmethod
    def _users(cls, value: object) -> dict[str, str]:
        return parse_users(value)

    @field_validator("databases", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("databases")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not name.replace("_", "").replace("-", "").isalnum() or len(name) > 64:
                raise ValueError(f"invalid database name {name!r}")
        return value[:64]
