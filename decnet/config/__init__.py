"""Settings from DECNET_* environment variables and the host INI file."""

from decnet.config.settings import Settings

__all__ = ["Settings"]
