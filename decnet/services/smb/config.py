"""Options of the smb service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig

_DOMAIN = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$"


class SMBConfig(StreamConfig):
    """What an operator may set for a decky's SMB server; unknown keys are rejected."""

    ports: tuple[int, ...] | None = Field(None, description="Ports instead of 445 and 139.")
    netbios_ports: tuple[int, ...] = Field(
        (139,), description="Which of the ports speak the NetBIOS session service (session request first)."
    )
    domain: str = Field(
        "",
        pattern=r"^$|" + _DOMAIN,
        max_length=253,
        description="DNS domain a Windows decky is joined to (default: hostname suffix; see docs).",
    )
    max_dialect: Literal["2.0.2", "2.1", "3.0", "3.0.2", "3.1.1"] | None = Field(
        None, description="Highest SMB2 dialect offered (default: the persona's smb_dialect, else 3.1.1)."
    )
    signing_required: bool = Field(False, description="Announce that signing is required (as a DC does).")
    max_message_bytes: int = Field(
        65536, ge=1024, le=1 << 20, description="Largest SMB message read; larger ones close the connection."
    )

    @field_validator("ports", "netbios_ports", mode="before")
    @classmethod
    def _port_list(cls, value: object) -> object:
        """Accept the INI form ``445, 139`` as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value
