"""SQLite repository (aiosqlite): WAL, ``synchronous=NORMAL``, busy timeout, ``INSERT OR IGNORE``."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.dml import Insert

from decnet.db.errors import DatabaseConfigError
from decnet.db.locks import file_lock
from decnet.db.repository import SQLModelRepository, UpdateBuilder

#: Seconds a start-up waits for another process's migration.
MIGRATION_LOCK_TIMEOUT_S = 60.0


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

    def _upsert(self, table: Table, keys: Sequence[str], build: UpdateBuilder) -> Insert:
        stmt = sqlite_insert(table)
        return stmt.on_conflict_do_update(index_elements=list(keys), set_=dict(build(stmt.excluded)))

    def _migration_lock(self, conn: AsyncConnection) -> AbstractAsyncContextManager[object]:
        if self.path is None:
            return nullcontext()
        lock_path = self.path.with_name(self.path.name + ".migrate.lock")
        return file_lock(lock_path, MIGRATION_LOCK_TIMEOUT_S)
