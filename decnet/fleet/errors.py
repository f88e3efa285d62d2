"""The one exception every fleet configuration problem is reported as."""

from __future__ import annotations

from decnet.config.errors import ConfigError


class FleetConfigError(ConfigError):
    """An invalid deployment: INI file, CLI deploy flags or a spec.

    Each problem names where it came from, e.g.
    ``fleet.ini [decky-01] ip: 10.0.0.300 is not an IPv4 address``; several problems are
    joined with ``"; "`` and kept apart in ``problems``. It is a
    :class:`~decnet.config.errors.ConfigError`, so the CLI reports it as one red line.
    """


def where(source: str, section: str | None = None, key: str | None = None) -> str:
    """How a place in a deployment is named in messages: ``fleet.ini [decky-01] ip``."""
    label = source
    if section is not None:
        label += f" [{section}]"
    if key is not None:
        label += f" {key}"
    return label
