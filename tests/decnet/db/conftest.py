"""Fixtures of the repository contract suite: one SQLite file per test, one MariaDB database per module.

MariaDB is reached at ``DECNET_TEST_MYSQL_URL`` (default ``mysql+asyncmy://root@127.0.0.1:3306``).
When it is unreachable the MySQL cases skip, which ``tests/conftest.py`` turns into failures
under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from decnet.db.models import metadata
from decnet.db.mysql import MySQLRepository
from decnet.db.repository import SQLModelRepository
from decnet.db.sqlite import SQLiteRepository

DEFAULT_MYSQL_URL = "mysql+asyncmy://root@127.0.0.1:3306"
BACKENDS = ["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)]


def mysql_server_url() -> URL:
    """The server URL (no database) the tests use."""
    return make_url(os.environ.get("DECNET_TEST_MYSQL_URL", DEFAULT_MYSQL_URL)).set(database=None)


async def _admin(sql: str) -> None:
    engine = create_async_engine(mysql_server_url())
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def mysql_database() -> Iterator[URL]:
    """A fresh database ``decnet_test_<random>`` for this test module, dropped afterwards."""
    name = f"decnet_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
    except Exception as error:  # unreachable server: skip here, a failure under CI
        pytest.skip(f"MariaDB/MySQL unreachable at {mysql_server_url()!r}: {error}")
    try:
        yield mysql_server_url().set(database=name)
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name}"))


async def _emptied(repo: SQLModelRepository) -> SQLModelRepository:
    async with repo.transaction() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))
    return repo


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Name of the backend under test."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """URL of the database under test (a SQLite file in a directory that does not exist yet)."""
    if backend == "sqlite":
        return make_url(f"sqlite+aiosqlite:///{tmp_path / 'db' / 'decnet.db'}")
    url: URL = request.getfixturevalue("mysql_database")
    return url


def make_repository(url: URL) -> SQLModelRepository:
    """The concrete repository of ``url``'s backend."""
    if url.get_backend_name() == "sqlite":
        return SQLiteRepository(url)
    return MySQLRepository(url, pool_size=4)


@pytest.fixture
async def repo(db_url: URL) -> AsyncIterator[SQLModelRepository]:
    """An initialised, empty repository of each backend."""
    instance = make_repository(db_url)
    await instance.initialize()
    await _emptied(instance)
    try:
        yield instance
    finally:
        await instance.close()
