"""Options of the k8s service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.restapi import RestConfig
from decnet.services.restapi.service import split_ports


class K8sConfig(RestConfig):
    """What an operator may set for a decky's Kubernetes API; unknown keys are rejected."""

    version: str | None = Field(
        None, pattern=r"^v1\.[0-9]{1,2}\.[0-9]{1,2}$", description="gitVersion, e.g. v1.28.5."
    )
    open_ports: tuple[int, ...] | None = Field(
        None,
        description="Ports that answer without authorization (kubectl proxy / insecure port); default: 8080.",
    )
    namespaces: tuple[str, ...] = Field(("production", "monitoring"), description="Bait namespaces.")

    @field_validator("open_ports", mode="before")
    @classmethod
    def _open_ports(cls, value: Any) -> Any:
        return split_ports(value)

    @field_validator("namespaces", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("namespaces")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not name or len(name) > 63 or not all(c.islower() or c.isdigit() or c == "-" for c in name):
                raise ValueError(f"invalid namespace {name!r}")
        return value[:32]
