"""The one exception every configuration problem is reported as."""

from __future__ import annotations


class ConfigError(ValueError):
    """An invalid or unreadable setting.

    The message names where the bad value came from (``DECNET_DB_TYPE`` or
    ``/etc/decnet/decnet.ini [decnet] db_type``) and the form that was expected. Several
    problems are joined with ``"; "`` into one line; ``problems`` keeps them apart.
    """

    def __init__(self, *problems: str) -> None:
        self.problems: list[str] = list(problems) or ["invalid configuration"]
        super().__init__("; ".join(self.problems))
