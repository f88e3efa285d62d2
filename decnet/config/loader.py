"""Load the effective settings once per process, or afresh."""

from __future__ import annotations

import threading
from pathlib import Path

from decnet.config.settings import Settings

_lock = threading.Lock()
_cached: Settings | None = None


def load_settings(config_path: Path | None = None) -> Settings:
    """Read settings afresh: env > host INI (``config_path``, ``$DECNET_CONFIG`` or the default) > default.

    Raises ``ConfigError`` naming the bad variable and the expected form.
    """
    return Settings(_config_file=config_path)


def get_settings() -> Settings:
    """Return the process-wide settings, loading them on first use (thread-safe)."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = load_settings()
        return _cached


def reset_settings(settings: Settings | None = None) -> None:
    """Forget the cached settings (next ``get_settings`` reloads), or install ``settings`` as them."""
    global _cached
    with _lock:
        _cached = settings
