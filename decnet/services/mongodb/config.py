"""Options of the mongodb service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig, parse_users


class MongoConfig(StreamConfig):
    """What an operator may set for a decky's MongoDB; unknown keys are rejected."""

    version: str | None = Field(
        None,
        pattern=r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,3}$",
        description="Server version; default: per distro.",
    )
    require_auth: bool = Field(False, description="Refuse commands before login (default: an open instance).")
    users: dict[str, str] = Field(
        default_factory=dict, description="Accounts that log in: 'user:password, ...'."
    )
    databases: tuple[str, ...] = Field(
        ("customers", "analytics"),
        description="Bait databases listDatabases shows besides admin/config/local.",
    )
    max_message_bytes: int = Field(1 << 20, ge=4096, le=48_000_000, description="Largest message read.")

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
