"""Options of the mqtt service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.base import ServiceConfig


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class MQTTConfig(ServiceConfig):
    """What an operator may set for a decky's MQTT broker; unknown keys are rejected."""

    allow_anonymous: bool = Field(
        True, description="Accept clients without credentials (and any credentials when users is empty)."
    )
    users: tuple[str, ...] = Field(
        (), max_length=64, description="'user:password' accounts; when set, other credentials are refused."
    )
    topics: tuple[str, ...] = Field(
        (
            "home/alarm/state=disarmed",
            "sensors/boiler/temperature=61.5",
            "devices/gateway/status=online",
        ),
        max_length=64,
        description="Bait retained messages, 'topic=value'.",
    )
    connect_timeout: float = Field(10.0, gt=0, le=600, description="Seconds to send CONNECT.")
    idle_timeout: float = Field(300.0, gt=0, le=3600, description="Most seconds a client may stay silent.")
    max_packet: int = Field(65536, ge=64, le=16 * 1024 * 1024, description="Largest packet accepted.")
    max_packets_per_connection: int = Field(10000, ge=1, le=1_000_000, description="Packets per connection.")
    max_connections: int = Field(256, ge=1, le=65536, description="Concurrent connections.")

    _split_users = field_validator("users", "topics", mode="before")(_split)

    @field_validator("users")
    @classmethod
    def _check_users(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if ":" not in item or not item.split(":", 1)[0] or len(item) > 256:
                raise ValueError(f"expected 'user:password', got {item!r}")
        return value

    @field_validator("topics")
    @classmethod
    def _check_topics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            topic, sep, _payload = item.partition("=")
            if not sep or not topic.strip() or any(ch in topic for ch in "+#") or len(item) > 1024:
                raise ValueError(f"expected 'topic=value' without wildcards, got {item!r}")
        return value
