"""Options of the docker_api service."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from decnet.services.restapi import RestConfig


class DockerConfig(RestConfig):
    """What an operator may set for a decky's Docker daemon; unknown keys are rejected."""

    version: str | None = Field(
        None,
        pattern=r"^[0-9]{2}\.[0-9]{1,2}\.[0-9]{1,2}[A-Za-z0-9.+~-]{0,30}$",
        description="Engine version.",
    )
    containers: tuple[str, ...] = Field(
        ("web=nginx:1.25", "db=postgres:15", "cache=redis:7.2"),
        description="Bait containers, 'name=image' each.",
    )

    @field_validator("containers", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("containers")
    @classmethod
    def _check(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            name, sep, image = item.partition("=")
            ok = (
                name
                and all(c.isalnum() or c in "_.-" for c in name)
                and image.isprintable()
                and " " not in image
            )
            if not sep or not ok or len(item) > 200:
                raise ValueError(f"expected 'name=image', got {item[:60]!r}")
        return value[:32]
