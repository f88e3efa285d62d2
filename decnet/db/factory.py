"""Build the repository the settings ask for, wrapped with telemetry."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from decnet.config.settings import Settings
from decnet.db.errors import DatabaseConfigError
from decnet.db.repository import SQLModelRepository
from decnet.db.telemetry import instrument
from decnet.db.urls import mask_url


def repository_url(settings: Settings) -> str:
    """The database URL the settings select (``DECNET_DB_URL``, or the default SQLite file)."""
    if settings.db_type == "sqlite":
        return settings.db_url or f"sqlite+aiosqlite:///{settings.sqlite_path}"
    if not settings.db_url:
        raise DatabaseConfigError(
            "DECNET_DB_TYPE=mysql needs DECNET_DB_URL, e.g. mysql+asyncmy://decnet:PASSWORD@db-host:3306/decnet"
        )
    return settings.db_url


def get_repository(settings: Settings | None = None) -> SQLModelRepository:
    """The repository of ``settings.db_type`` (``sqlite`` or ``mysql``), instrumented with telemetry.

    Nothing connects yet: call ``initialize()`` (or :func:`decnet.db.retry.connect_with_retry`).
    Raises :class:`DatabaseConfigError` when the URL is missing or of the other backend.
    """
    settings = settings if settings is not None else Settings()
    url = repository_url(settings)
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as error:
        raise DatabaseConfigError(f"DECNET_DB_URL is not a database URL: {mask_url(url)}") from error
    repo: SQLModelRepository
    if settings.db_type == "sqlite":
        if backend != "sqlite":
            raise DatabaseConfigError(f"DECNET_DB_TYPE=sqlite but DECNET_DB_URL is {mask_url(url)}")
        from decnet.db.sqlite import SQLiteRepository

        repo = SQLiteRepository(url, busy_timeout_ms=settings.db_busy_timeout_ms)
    else:
        if backend not in {"mysql", "mariadb"}:
            raise DatabaseConfigError(f"DECNET_DB_TYPE=mysql but DECNET_DB_URL is {mask_url(url)}")
        from decnet.db.mysql import MySQLRepository

        repo = MySQLRepository(url, pool_size=settings.db_pool_size)
    return instrument(repo)
