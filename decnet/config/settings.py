"""DECNET settings: every knob as a ``DECNET_*`` environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Effective DECNET settings (env > host INI > default)."""

    model_config = SettingsConfigDict(env_prefix="DECNET_", extra="forbid", validate_default=True)

    data_dir: Path = Field(Path("/var/lib/decnet"), description="State directory (SQLite database, spool).")
    db_type: Literal["sqlite", "mysql"] = Field("sqlite", description="Repository backend.")
    db_url: str | None = Field(
        None,
        description="SQLAlchemy URL; required for mysql (mysql+asyncmy://user:pass@host:3306/db); "
        "for sqlite defaults to sqlite+aiosqlite:///<data_dir>/decnet.db.",
    )
    db_pool_size: int = Field(10, ge=1, le=500, description="Connections per process (mysql).")
    db_busy_timeout_ms: int = Field(5000, ge=0, description="SQLite busy timeout.")
    db_connect_retries: int = Field(10, ge=0, description="Connection attempts before a worker gives up.")
    db_retry_max_delay_s: float = Field(30.0, gt=0, description="Cap of the exponential retry backoff.")

    @property
    def sqlite_path(self) -> Path:
        """Path of the default SQLite database."""
        return self.data_dir / "decnet.db"
