"""Options of the ics service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from decnet.services.base import ServiceConfig


class ICSConfig(ServiceConfig):
    """What an operator may set for a decky's PLC; unknown keys are rejected.

    ``ports`` (default ``502, 102``): the first is Modbus/TCP, the second (if any) S7comm.
    """

    device: Literal["s7-300", "s7-1200"] | None = Field(
        None, description="Siemens CPU the S7 side is; default: the persona's PLC, else an S7-300."
    )
    plant: str = Field("", pattern=r"^[ -~]{0,32}$", description="S7 plant identification (SZL 0x001C).")
    registers: int = Field(1000, ge=16, le=65536, description="Size of each Modbus table (coils, registers).")
    idle_timeout: float = Field(60.0, gt=0, le=3600, description="Seconds a client may stay silent.")
    max_requests_per_connection: int = Field(
        10000, ge=1, le=1_000_000, description="Requests per connection."
    )
    max_connections: int = Field(128, ge=1, le=65536, description="Concurrent connections.")
