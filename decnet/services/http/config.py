"""Options of the http (and https) service."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from decnet.services.base import ServiceConfig

_HEADER_TEXT = r"^[ -~]{1,200}$"


class HTTPConfig(ServiceConfig):
    """What an operator may set for a decky's web server; unknown keys are rejected."""

    server_header: str | None = Field(
        None, pattern=_HEADER_TEXT, description="Server header instead of the persona's http_server."
    )
    flavour: Literal["nginx", "apache", "iis"] | None = Field(
        None, description="Pages and header order; default: from server_header, else the persona."
    )
    fake_app: Literal["none", "wordpress", "phpmyadmin"] = Field("none", description="Application shown.")
    max_body_bytes: int = Field(
        65536, ge=0, le=16 * 1024 * 1024, description="Largest body read (413 above)."
    )
    log_body_bytes: int = Field(2048, ge=0, le=16384, description="Body characters kept in request events.")
    header_timeout: float = Field(20.0, gt=0, le=600, description="Seconds to receive a request head.")
    body_timeout: float = Field(20.0, gt=0, le=600, description="Seconds to receive a request body.")
    idle_timeout: float | None = Field(
        None,
        gt=0,
        le=600,
        description="Keep-alive idle seconds; default: the flavour's (nginx 65, Apache 5, IIS 120).",
    )
    send_timeout: float = Field(20.0, gt=0, le=600, description="Seconds to write one response.")
    max_requests_per_connection: int = Field(100, ge=1, le=10000, description="Keep-alive request cap.")
    max_connections: int = Field(256, ge=1, le=65536, description="Concurrent connections; more are closed.")
    basic_auth_paths: tuple[str, ...] = Field(
        (), description="Path prefixes that answer 401 with a Basic challenge (every attempt fails)."
    )
    basic_auth_realm: str = Field(
        "Restricted", pattern=r"^[ !#-~]{1,100}$", description="Realm of that challenge."
    )
    wordpress_version: str = Field(
        "6.4.3", pattern=r"^[0-9][0-9.]{0,15}$", description="Version WordPress leaks."
    )
    phpmyadmin_version: str = Field(
        "5.2.1", pattern=r"^[0-9][0-9.]{0,15}$", description="Version phpMyAdmin leaks."
    )

    @field_validator("basic_auth_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("basic_auth_paths")
    @classmethod
    def _check_paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            if not path.startswith("/") or len(path) > 200 or not path.isprintable() or " " in path:
                raise ValueError(f"expected paths starting with '/', got {path!r}")
        return value
