"""Options of the snmp service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.base import ServiceConfig


class SNMPConfig(ServiceConfig):
    """What an operator may set for a decky's SNMP agent; unknown keys are rejected."""

    community: tuple[str, ...] = Field(
        ("public",), min_length=1, max_length=16, description="Read-only communities the agent answers."
    )
    contact: str | None = Field(
        None, pattern=r"^[ -~]{0,255}$", description="sysContact; default: the distro's snmpd.conf default."
    )
    location: str | None = Field(
        None, pattern=r"^[ -~]{0,255}$", description="sysLocation; default: the distro's snmpd.conf default."
    )
    rate: float = Field(20.0, gt=0, le=10000, description="Requests per second answered per source.")
    burst: int = Field(
        60, ge=1, le=100000, description="Requests a source may send at once (snmpwalk bursts)."
    )
    max_repetitions: int = Field(50, ge=1, le=200, description="Cap on a GetBulk's max-repetitions.")

    @field_validator("community", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("community")
    @classmethod
    def _check(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not 0 < len(item) <= 64 or not item.isprintable():
                raise ValueError(f"communities are 1-64 printable characters, got {item!r}")
        return value
