"""Options of the llmnr service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.base import ServiceConfig


class LLMNRConfig(ServiceConfig):
    """What an operator may set for a decky's LLMNR/mDNS responder; unknown keys are rejected.

    ``ports`` (default ``5355, 5353``): the first is LLMNR, the second (if any) mDNS; both UDP.
    """

    answer_own_name: bool = Field(True, description="Answer queries for the persona's own hostname.")
    multicast: bool = Field(True, description="Join 224.0.0.252 / 224.0.0.251 on the decky's interface.")
    bait_names: tuple[str, ...] = Field(
        ("wpad", "fileserver01", "printsrv"),
        max_length=16,
        description="Names the decky asks for now and then; anyone answering them is poisoning.",
    )
    bait_interval: float = Field(
        300.0, ge=0, le=86400, description="Seconds between bait queries (0: never send any)."
    )
    ttl: int = Field(30, ge=0, le=86400, description="TTL of the answers for the own name.")
    rate: float = Field(20.0, gt=0, le=10000, description="Datagrams per second handled per source.")
    burst: int = Field(40, ge=1, le=100000, description="Datagrams a source may send at once.")

    @field_validator("bait_names", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("bait_names")
    @classmethod
    def _check(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not 0 < len(name) <= 63 or not all(ch.isalnum() or ch == "-" for ch in name):
                raise ValueError(f"bait names are single labels (letters, digits, '-'), got {name!r}")
        return value
