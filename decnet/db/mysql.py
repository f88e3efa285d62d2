"""MySQL/MariaDB repository (asyncmy): pooled, ``utf8mb4``, ``INSERT IGNORE``, named locks."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.sql.dml import Insert

from decnet.db.errors import DatabaseConfigError, RepositoryError
from decnet.db.repository import SQLModelRepository, UpdateBuilder

#: Seconds a start-up waits for another process's migration (``GET_LOCK`` timeout).
MIGRATION_LOCK_TIMEOUT_S = 60
#: Seconds an event insert waits for another writer's.
EVENT_LOCK_TIMEOUT_S = 60
#: Seconds after which pooled connections are replaced (below MySQL's ``wait_timeout``).
POOL_RECYCLE_S = 1800

_ASYNC_DRIVERS = {"mysql+asyncmy", "mariadb+asyncmy"}


class _ExpectedWarningFilter(logging.Filter):
    """asyncmy logs every server warning; drop the ones DECNET causes on purpose.

    ``Duplicate entry``: ``INSERT IGNORE`` of a resent event. ``ignored for PRIMARY key``:
    Alembic names the primary key of its version table, which MariaDB notes and ignores.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        return not (msg.startswith("Duplicate entry") or msg.endswith("ignored for PRIMARY key."))


_expected_warnings = _ExpectedWarningFilter()


def _lock_name(kind: str, database: str | None) -> str:
    """A server-wide ``GET_LOCK`` name scoped to one database (MySQL caps names at 64 chars)."""
    name = f"decnet_{kind}.{database or ''}"
    if len(name) > 64:
        name = f"decnet_{kind}.{hashlib.sha256(name.encode()).hexdigest()[:40]}"
    return name


class MySQLRepository(SQLModelRepository):
    """The repository on MySQL/MariaDB (many hosts, many writers).

    Event inserts are serialised with a named lock held until commit, so ids become visible
    in commit order and a worker's id cursor can never step over a late-committing batch.
    """

    insert_ignore_verb = "INSERT IGNORE INTO"
    placeholder = "%s"

    def __init__(self, url: str | URL, *, pool_size: int = 10, pool_recycle_s: int = POOL_RECYCLE_S) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() not in {"mysql", "mariadb"}:
            raise DatabaseConfigError(f"not a MySQL/MariaDB URL: {parsed.drivername}")
        if parsed.drivername in {"mysql", "mariadb"}:
            parsed = parsed.set(drivername=f"{parsed.drivername}+asyncmy")
        if parsed.drivername not in _ASYNC_DRIVERS:
            raise DatabaseConfigError(f"unsupported MySQL driver {parsed.drivername!r}: use mysql+asyncmy://")
        if not parsed.database:
            raise DatabaseConfigError("the MySQL URL names no database (mysql+asyncmy://user:pass@host/db)")
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        engine = create_async_engine(
            parsed,
            pool_size=pool_size,
            pool_pre_ping=True,
            pool_recycle=pool_recycle_s,
        )
        logging.getLogger("asyncmy").addFilter(_expected_warnings)
        self._migrate_lock = _lock_name("migrate", parsed.database)
        self._events_lock = _lock_name("events", parsed.database)
        super().__init__(parsed, engine)

    def _upsert(self, table: Table, keys: Sequence[str], build: UpdateBuilder) -> Insert:
        stmt = mysql_insert(table)
        return stmt.on_duplicate_key_update(dict(build(stmt.inserted)))

    @staticmethod
    async def _get_lock(conn: AsyncConnection, name: str, timeout: int) -> None:
        got = (await conn.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (name, timeout))).scalar()
        await conn.commit()
        if got != 1:
            raise RepositoryError(f"timed out after {timeout} s waiting for lock {name!r}")

    @staticmethod
    async def _release_lock(conn: AsyncConnection, name: str) -> None:
        try:
            await conn.exec_driver_sql("DO RELEASE_LOCK(%s)", (name,))
            await conn.commit()
        except sa_exc.DBAPIError:
            pass  # the connection is gone, and the server released the lock with it

    @asynccontextmanager
    async def _migration_lock(self, conn: AsyncConnection) -> AsyncIterator[object]:
        await self._get_lock(conn, self._migrate_lock, MIGRATION_LOCK_TIMEOUT_S)
        try:
            yield None
        finally:
            await self._release_lock(conn, self._migrate_lock)

    @asynccontextmanager
    async def _event_writer(self) -> AsyncIterator[AsyncConnection]:
        async with self._connect() as conn:
            await self._get_lock(conn, self._events_lock, EVENT_LOCK_TIMEOUT_S)
            try:
                yield conn
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
            finally:
                await self._release_lock(conn, self._events_lock)
