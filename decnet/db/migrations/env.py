"""Alembic environment of DECNET.

DECNET runs migrations programmatically (``decnet.db.migrate``): the caller hands over a
synchronous connection in ``config.attributes["connection"]`` and owns its transaction.
Run by the ``alembic`` command instead, the URL comes from ``sqlalchemy.url`` (or
``DECNET_DB_URL``) and may be async (``sqlite+aiosqlite``, ``mysql+asyncmy``).
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from decnet.db.models import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DECNET_DB_URL")
    if not url:
        raise RuntimeError("set sqlalchemy.url or DECNET_DB_URL to run migrations with the alembic command")
    return url


async def _run_async() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def main() -> None:
    """Run the migrations in whichever mode Alembic asked for."""
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


main()
