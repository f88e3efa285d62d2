"""Errors raised by the storage layer."""

from __future__ import annotations


class RepositoryError(Exception):
    """Base class of the storage layer's own errors."""


class DatabaseConfigError(RepositoryError, ValueError):
    """The database settings cannot describe a usable repository (missing or wrong URL)."""


class DatabaseUnavailable(RepositoryError):
    """The database cannot be reached.

    ``url`` is the masked URL (never the password); the message names it and the reason.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"database unavailable at {url}: {reason}")


class AlreadyExists(RepositoryError):
    """A row with the same unique key already exists."""
