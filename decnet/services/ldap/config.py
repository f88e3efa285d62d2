"""Options of the ldap service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from decnet.services.streambase import StreamConfig

_DN = r"^$|^[A-Za-z][A-Za-z0-9-]*=[^,=]+(,[A-Za-z][A-Za-z0-9-]*=[^,=]+)*$"
_DOMAIN = r"^$|^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$"


class LDAPConfig(StreamConfig):
    """What an operator may set for a decky's directory server; unknown keys are rejected."""

    ports: tuple[int, ...] | None = Field(None, description="Ports instead of 389 and 636.")
    tls_ports: tuple[int, ...] = Field((636,), description="Which of the ports speak LDAP over TLS (ldaps).")
    flavour: Literal["ad", "openldap"] | None = Field(
        None, description="Active Directory or OpenLDAP (default: AD on Windows personas, else OpenLDAP)."
    )
    domain: str = Field(
        "",
        pattern=_DOMAIN,
        max_length=253,
        description="AD DNS domain (default: hostname suffix, else corp.local).",
    )
    base_dn: str = Field(
        "",
        pattern=_DN,
        max_length=512,
        description="Naming context (default: from the domain, else dc=nodomain / dc=my-domain,dc=com).",
    )
    starttls: bool = Field(True, description="Offer and accept the StartTLS extended operation.")
    max_message_bytes: int = Field(
        262144,
        ge=1024,
        le=16 << 20,
        description="Largest LDAP message read; larger ones close the connection.",
    )

    @field_validator("ports", "tls_ports", mode="before")
    @classmethod
    def _port_list(cls, value: object) -> object:
        """Accept the INI form ``445, 139`` as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value
