"""Options of the smb service."""

from __future__ import annotations

import re
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
    smb1: bool = Field(
        False,
        description="Windows personas: answer SMB1 (NT LM 0.12) negotiate and session setup.",
    )
    guest: bool = Field(
        False, description="Accept anonymous (null) sessions, so share listing (smbclient -L -N) works."
    )
    shares: tuple[str, ...] = Field(
        (),
        max_length=64,
        description="Bait shares listed to anonymous sessions: NAME or NAME=remark (INI: comma separated).",
    )
    max_message_bytes: int = Field(
        65536, ge=1024, le=1 << 20, description="Largest SMB message read; larger ones close the connection."
    )

    @field_validator("shares", mode="before")
    @classmethod
    def _share_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("shares")
    @classmethod
    def _share_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            name, _, remark = item.partition("=")
            if not re.fullmatch(r"[A-Za-z0-9_.$ -]{1,80}", name.strip()) or len(remark) > 256:
                raise ValueError(f"bad share {item!r}: NAME (letters, digits, _ . $ - space) or NAME=remark")
        return value

    @field_validator("ports", "netbios_ports", mode="before")
    @classmethod
    def _port_list(cls, value: object) -> object:
        """Accept the INI form ``445, 139`` as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value
