"""Fixtures of the intel tests: an empty repository on SQLite and on the MariaDB server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from decnet.db.repository import SQLModelRepository
from tests.decnet.db.conftest import BACKENDS, _emptied, make_repository, mysql_database

__all__ = ["mysql_database"]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """A SQLite file of the test, or this module's MariaDB database."""
    if request.param == "sqlite":
        return make_url(f"sqlite+aiosqlite:///{tmp_path / 'db' / 'decnet.db'}")
    url: URL = request.getfixturevalue("mysql_database")
    return url


@pytest.fixture
async def repo(db_url: URL) -> AsyncIterator[SQLModelRepository]:
    """An initialised, empty repository."""
    instance = make_repository(db_url)
    await instance.initialize()
    await _emptied(instance)
    try:
        yield instance
    finally:
        await instance.close()
