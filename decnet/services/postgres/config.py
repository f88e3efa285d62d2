"""Options of the postgres service."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig, parse_users


class PostgresConfig(StreamConfig):
    """What an operator may set for a decky's PostgreSQL; unknown keys are rejected."""

    version: str | None = Field(
        None,
        pattern=r"^[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,3})?( \([ -~]{1,60}\))?$",
        description="server_version, e.g. '15.5 (Debian 15.5-0+deb12u1)'; default: the persona's.",
    )
    auth_method: Literal["md5", "scram-sha-256", "password"] = Field(
        "md5",
        description="pg_hba method: md5 (salted hash), scram-sha-256 (proof) or password (clear text).",
    )
    users: dict[str, str] = Field(
        default_factory=dict, description="Accounts that log in: 'user:password, ...'."
    )
    databases: tuple[str, ...] = Field(("app",), description="Bait databases besides postgres/template0/1.")

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
            if not name.replace("_", "").replace("-", "").isalnum() or len(name) > 63:
                raise ValueError(f"invalid database name {name!r}")
        return value[:64]
