"""runtime.json: everything one decky runtime process needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from decnet.events.sender import Target

#: Largest runtime.json accepted.
MAX_CONFIG_BYTES = 1024 * 1024


class RuntimeConfigError(ValueError):
    """runtime.json (or a service config in it) is invalid; the message says where."""


class RuntimeConfig(BaseModel):
    """The decky runtime's configuration (JSON); unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decky: str = Field(pattern=r"^[!-~]{1,255}$", description="Decky name (events' HOSTNAME).")
    persona: dict[str, Any] = Field(description="The Persona as persona_to_dict writes it.")
    bind_host: str = Field("0.0.0.0", min_length=1, description="Address the services listen on.")  # noqa: S104
    services: dict[str, dict[str, Any]] = Field(default_factory=dict, description="slug -> service config.")
    target: str = Field(description="Collector: unix:/path, tcp://host:port or tls://host:port.")
    tls_ca: Path | None = Field(None, description="CA bundle that verifies a tls:// collector.")
    tls_cert: Path | None = Field(None, description="Client certificate for a tls:// collector (mutual TLS).")
    tls_key: Path | None = Field(None, description="Key of tls_cert.")
    spool_dir: Path | None = Field(None, description="Disk spool of undelivered events; none: memory only.")
    spool_memory_events: int = Field(10_000, ge=0, le=10_000_000)
    spool_disk_max_bytes: int = Field(256 * 1024 * 1024, ge=0)
    state_dir: Path = Field(description="Persistent per-decky state; each service gets <state_dir>/<slug>.")
    log_target: str = Field("stderr", description="Where the runtime's own logs go (as DECNET_LOG_TARGET).")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    restart_initial_delay: float = Field(1.0, gt=0, le=600, description="First restart backoff in seconds.")
    restart_max_delay: float = Field(60.0, gt=0, le=3600, description="Longest restart backoff.")
    flush_timeout: float = Field(3.0, ge=0, le=120, description="Seconds to deliver events at shutdown.")

    @field_validator("target")
    @classmethod
    def _check_target(cls, value: str) -> str:
        Target.parse(value)
        return value

    @field_validator("services")
    @classmethod
    def _check_slugs(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for slug in value:
            if not slug or len(slug) > 48 or not slug.replace("_", "").replace("-", "").isalnum():
                raise ValueError(f"bad service slug {slug!r}")
        return value


def load_runtime_config(path: Path) -> RuntimeConfig:
    """Read and validate runtime.json; ``RuntimeConfigError`` naming the file and key."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise RuntimeConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise RuntimeConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RuntimeConfigError(f"{path}: not JSON: {exc}") from None
    try:
        return RuntimeConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "(root)"
            if error["type"] == "extra_forbidden":
                problems.append(f"unknown key {key!r}")
            else:
                problems.append(f"{key}: {error['msg']}")
        raise RuntimeConfigError(f"{path}: " + "; ".join(problems)) from None
