"""Options of the rdp service."""

from __future__ import annotations

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig

_DOMAIN = r"^$|^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$"


class RDPConfig(StreamConfig):
    """What an operator may set for a decky's Remote Desktop service; unknown keys are rejected."""

    ports: tuple[int, ...] | None = Field(None, description="Ports instead of 3389.")
    nla: bool = Field(
        True,
        description="Require Network Level Authentication (CredSSP/NTLM, hashes captured); else TLS only.",
    )
    domain: str = Field(
        "", pattern=_DOMAIN, max_length=253, description="DNS domain named in the NTLM challenge (see smb)."
    )
    max_message_bytes: int = Field(
        65536, ge=1024, le=1 << 20, description="Largest TPKT or CredSSP message read."
    )

    @field_validator("ports", mode="before")
    @classmethod
    def _port_list(cls, value: object) -> object:
        """Accept the INI form ``445, 139`` as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value
