"""Options of the vnc service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig


class VNCConfig(StreamConfig):
    """What an operator may set for a decky's VNC server; unknown keys are rejected."""

    ports: tuple[int, ...] | None = Field(None, description="Ports instead of 5900.")
    server: Literal["tigervnc", "x11vnc", "tightvnc"] | None = Field(
        None, description="Which VNC server to be (default: TigerVNC on Linux, TightVNC on Windows)."
    )
    blacklist_threshold: int = Field(
        5, ge=0, le=1000, description="Failures from one address before it is locked out (0: never)."
    )
    blacklist_timeout: float = Field(
        10.0, gt=0, le=86400, description="First lock-out in seconds; doubles each time, as TigerVNC does."
    )

    @field_validator("ports", mode="before")
    @classmethod
    def _port_list(cls, value: object) -> object:
        """Accept the INI form ``445, 139`` as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value
