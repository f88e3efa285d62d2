"""Options of the elasticsearch service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.restapi import RestConfig
from decnet.services.streambase import parse_users


class ElasticsearchConfig(RestConfig):
    """What an operator may set for a decky's Elasticsearch; unknown keys are rejected."""

    version: str | None = Field(
        None, pattern=r"^[5-8]\.[0-9]{1,2}\.[0-9]{1,2}$", description="version.number."
    )
    cluster_name: str = Field("elasticsearch", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="cluster_name.")
    node_name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Node name; default: hostname."
    )
    require_auth: bool = Field(False, description="X-Pack security on: Basic auth required (default: open).")
    users: dict[str, str] = Field(
        default_factory=dict, description="Accounts that log in: 'user:password, ...'."
    )
    indices: tuple[str, ...] = Field(
        ("customers", "orders", "logs-2024.03", "users"), description="Bait index names."
    )

    @field_validator("users", mode="before")
    @classmethod
    def _users(cls, value: object) -> dict[str, str]:
        return parse_users(value)

    @field_validator("indices", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("indices")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not name or len(name) > 64 or not all(c.islower() or c.isdigit() or c in "._-" for c in name):
                raise ValueError(f"invalid index name {name!r}")
        return value[:100]
