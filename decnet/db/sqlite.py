"""SQLite repository (aiosqlite): WAL, ``synchronous=NORMAL``, busy timeout, ``INSERT OR IGNORE``.

Reads through :meth:`SQLiteRepository.read` use a separate pool of read-only connections
(``PRAGMA query_only``), each query run whole in a worker thread: aiosqlite hops to its thread
and back for every driver call (execute, fetch, commit, reset), which dominates small API queries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import QueuePool, StaticPool
from sqlalchemy.sql.dml import Insert

from decnet.db.errors import DatabaseConfigError
from decnet.db.locks import file_lock
from decnet.db.repository import R, SQLModelRepository, UpdateBuilder

#: Seconds a start-up waits for another process's migration.
MIGRATION_LOCK_TIMEOUT_S = 60.0
#: Read connections (and worker threads) of :meth:`SQLiteRepository.read`.
READ_CONNECTIONS = 4


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for an in-memory database)."""
    database = url.database
    if (
        not database
        or database == ":memory:"
        or database.startswith("file:")
        or url.query.get("mode") == "memory"
    ):
        return None
    return Path(database)


class SQLiteRepository(SQLModelRepository):
    """The repository on a SQLite file (the default, one host).

    Every connection gets ``journal_mode=WAL``, ``synchronous=NORMAL``, ``foreign_keys=ON``
    and ``busy_timeout``; the database's directory is created on first connect.
    """

    insert_ignore_verb = "INSERT OR IGNORE INTO"
    placeholder = "?"

    def __init__(self, url: str | URL, *, busy_timeout_ms: int = 5000) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            raise DatabaseConfigError(f"not a SQLite URL: {parsed.drivername}")
        if parsed.drivername == "sqlite":
            parsed = parsed.set(drivername="sqlite+aiosqlite")
        self.path = sqlite_file(parsed)
        self.busy_timeout_ms = busy_timeout_ms
        kwargs: dict[str, Any] = {}
        if self.path is None:
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
        engine = create_async_engine(parsed, connect_args={"timeout": busy_timeout_ms / 1000}, **kwargs)
        event.listen(engine.sync_engine, "do_connect", self._before_connect)
        event.listen(engine.sync_engine, "connect", self._on_connect)
        super().__init__(parsed, engine)
        self._reader: Engine | None = None
        self._read_threads: ThreadPoolExecutor | None = None

    def _before_connect(self, *_: Any) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    def _on_read_connect(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()

    def _read_pool(self) -> tuple[Engine, ThreadPoolExecutor]:
        """The read engine and its threads, made on first use."""
        if self._reader is None or self._read_threads is None:
            url = self._url.set(drivername="sqlite+pysqlite")
            reader = create_engine(
                url,
                poolclass=QueuePool,
                pool_size=READ_CONNECTIONS,
                max_overflow=0,
                connect_args={"timeout": self.busy_timeout_ms / 1000, "check_same_thread": False},
            )
            event.listen(reader, "do_connect", self._before_connect)
            event.listen(reader, "connect", self._on_read_connect)
            self._reader = reader
            self._read_threads = ThreadPoolExecutor(READ_CONNECTIONS, thread_name_prefix="decnet-sqlite-read")
        return self._reader, self._read_threads

    async def read(self, query: Callable[[Connection], R]) -> R:
        """``query(connection)`` on a read-only connection, run whole in a worker thread."""
        if self.path is None:  # one shared in-memory database: only the main engine sees it
            return await super().read(query)
        reader, threads = self._read_pool()

        def run() -> R:
            try:
                conn = reader.connect()
            except (sa_exc.DBAPIError, OSError) as error:
                raise self._unavailable(error) from error
            with conn:
                return query(conn)

        return await asyncio.get_running_loop().run_in_executor(threads, run)

    async def close(self) -> None:
        """Close every pooled connection, the read connections included."""
        await super().close()
        reader, threads = self._reader, self._read_threads
        self._reader = self._read_threads = None
        if reader is not None:
            reader.dispose()
        if threads is not None:
            threads.shutdown(wait=False)

    def _upsert(self, table: Table, keys: Sequence[str], build: UpdateBuilder) -> Insert:
        stmt = sqlite_insert(table)
        return stmt.on_conflict_do_update(index_elements=list(keys), set_=dict(build(stmt.excluded)))

    def _migration_lock(self, conn: AsyncConnection) -> AbstractAsyncContextManager[object]:
        if self.path is None:
            return nullcontext()
        lock_path = self.path.with_name(self.path.name + ".migrate.lock")
        return file_lock(lock_path, MIGRATION_LOCK_TIMEOUT_S)
