"""Options of the redis service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig

_DEFAULT_KEYS = (
    "session:5f2a9c1e=eyJ1aWQiOjEwMDEsInJvbGUiOiJhZG1pbiJ9",
    "cache:config=production",
    "user:1001:email=j.miller@example.com",
    "queue:jobs:pending=17",
)


class RedisConfig(StreamConfig):
    """What an operator may set for a decky's Redis; unknown keys are rejected."""

    version: str | None = Field(
        None,
        pattern=r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,3}$",
        description="redis_version; default: the persona's.",
    )
    requirepass: str | None = Field(
        None,
        min_length=1,
        max_length=512,
        description="Password AUTH must give (unset: no auth, as exposed).",
    )
    keys: tuple[str, ...] = Field(_DEFAULT_KEYS, description="Bait string keys, 'name=value' each.")
    max_bulk_bytes: int = Field(1 << 20, ge=1024, le=64 << 20, description="Largest bulk argument read.")
    max_args: int = Field(1024, ge=8, le=1 << 20, description="Most arguments in one command.")
    max_store_bytes: int = Field(1 << 20, ge=0, le=256 << 20, description="Memory for keys SET by clients.")

    @field_validator("keys", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("keys")
    @classmethod
    def _check(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > 1000:
            raise ValueError("at most 1000 keys")
        for item in value:
            name, sep, _ = item.partition("=")
            if not sep or not name or len(item) > 4096 or not item.isprintable():
                raise ValueError(f"expected 'name=value', got {item[:60]!r}")
        return value
