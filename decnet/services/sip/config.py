"""Options of the sip service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.base import ServiceConfig


class SIPConfig(ServiceConfig):
    """What an operator may set for a decky's SIP registrar; unknown keys are rejected."""

    realm: str = Field(
        "asterisk", pattern=r"^[!#-~]{1,64}$", description="Digest realm (chan_pjsip's default)."
    )
    users: tuple[str, ...] = Field(
        (),
        max_length=64,
        description="'extension:password' accounts whose digest succeeds; others always fail.",
    )
    server: str | None = Field(
        None, pattern=r"^[ -~]{1,100}$", description="Server header; default: Asterisk PBX of the persona."
    )
    rate: float = Field(20.0, gt=0, le=10000, description="UDP requests per second answered per source.")
    burst: int = Field(60, ge=1, le=100000, description="UDP requests a source may send at once.")
    idle_timeout: float = Field(30.0, gt=0, le=3600, description="Seconds a TCP client may stay silent.")
    max_requests_per_connection: int = Field(
        1000, ge=1, le=100000, description="Requests per TCP connection."
    )
    max_connections: int = Field(128, ge=1, le=65536, description="Concurrent TCP connections.")

    @field_validator("users", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("users")
    @classmethod
    def _check(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if ":" not in item or not item.split(":", 1)[0] or len(item) > 256:
                raise ValueError(f"expected 'extension:password', got {item!r}")
        return value
