"""Options of the dns service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.base import ServiceConfig
from decnet.services.dns.message import name_from_text
from decnet.services.dns.zone import parse_record


class DNSConfig(ServiceConfig):
    """What an operator may set for a decky's DNS server; unknown keys are rejected."""

    zone: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}\.?$",
        description="Zone served; default: the hostname's domain, else one derived from the seed.",
    )
    records: tuple[str, ...] = Field(
        (),
        max_length=256,
        description="Extra records, 'name TYPE value' (A, AAAA, CNAME, MX, TXT, NS; '@' is the apex).",
    )
    ttl: int = Field(3600, ge=0, le=604800, description="TTL of the zone's records.")
    version: str | None = Field(
        None,
        pattern=r"^[ -~]{1,100}$",
        description="version.bind answer; default: the persona's BIND version.",
    )
    rate: float = Field(20.0, gt=0, le=10000, description="UDP queries per second answered per source.")
    burst: int = Field(40, ge=1, le=100000, description="UDP queries a source may send at once.")
    tcp_idle_timeout: float = Field(10.0, gt=0, le=600, description="Seconds a TCP client may stay idle.")
    max_connections: int = Field(128, ge=1, le=65536, description="Concurrent TCP connections.")
    long_label: int = Field(40, ge=8, le=63, description="Label length that counts as tunnelling.")
    long_name: int = Field(160, ge=32, le=255, description="Name length (octets) that counts as tunnelling.")
    txt_flood: int = Field(
        20, ge=2, le=256, description="Distinct TXT/NULL/CNAME/MX names a minute that count as a tunnel."
    )
    large_edns: int = Field(
        4096, ge=513, le=65535, description="EDNS buffer size that counts as amplification."
    )

    @field_validator("records", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("records")
    @classmethod
    def _check(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        origin = name_from_text("example.org")
        for line in value:
            parse_record(line, origin, 60)
        return value
