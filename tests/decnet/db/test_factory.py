"""get_repository: backend selection from settings, dialect set-up, clear configuration errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from decnet.config.settings import Settings
from decnet.db import DatabaseConfigError, SQLModelRepository, get_repository
from decnet.db.mysql import MySQLRepository
from decnet.db.sqlite import SQLiteRepository


async def test_sqlite_is_the_default_under_data_dir(tmp_path: Path) -> None:
    repo = get_repository(Settings(data_dir=tmp_path / "state", db_busy_timeout_ms=1234))
    assert isinstance(repo, SQLiteRepository) and isinstance(repo, SQLModelRepository)
    assert repo.path == tmp_path / "state" / "decnet.db"
    try:
        await repo.initialize()  # creates the missing directory
        assert repo.path.exists()
        async with repo.engine.connect() as conn:
            pragmas = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 1234}
        assert repo.telemetry.snapshot()["initialize"].calls == 1  # instrumented by the factory
    finally:
        await repo.close()


async def test_sqlite_url_from_settings(tmp_path: Path) -> None:
    repo = get_repository(Settings(data_dir=tmp_path, db_url=f"sqlite:///{tmp_path / 'other.db'}"))
    assert isinstance(repo, SQLiteRepository)
    assert repo.engine.url.drivername == "sqlite+aiosqlite"  # sync scheme upgraded to the async driver
    assert repo.path == tmp_path / "other.db"
    await repo.close()


async def test_in_memory_sqlite() -> None:
    repo = SQLiteRepository("sqlite+aiosqlite://")
    try:
        await repo.initialize()
        assert repo.path is None
        assert await repo.count_events() == 0  # the schema lives on the one shared connection
    finally:
        await repo.close()


async def test_mysql_settings() -> None:
    settings = Settings(
        db_type="mysql", db_url="mysql://decnet:hunter2@db.example:3306/decnet", db_pool_size=7
    )
    repo = get_repository(settings)
    assert isinstance(repo, MySQLRepository)
    url = repo.engine.url
    assert (url.drivername, url.query.get("charset")) == ("mysql+asyncmy", "utf8mb4")
    assert repo.engine.pool.size() == 7  # type: ignore[attr-defined]
    assert repo.display_url == "mysql+asyncmy://decnet:***@db.example:3306/decnet?charset=utf8mb4"
    await repo.close()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"db_type": "mysql"}, "DECNET_DB_TYPE=mysql needs DECNET_DB_URL"),
        (
            {"db_type": "mysql", "db_url": "sqlite:///x.db"},
            "DECNET_DB_TYPE=mysql but DECNET_DB_URL is sqlite",
        ),
        ({"db_type": "sqlite", "db_url": "mysql+asyncmy://u:hunter2@h/db"}, "u:***@h/db"),
        ({"db_type": "mysql", "db_url": "mysql+pymysql://u:hunter2@h/db"}, "use mysql+asyncmy://"),
        ({"db_type": "mysql", "db_url": "mysql+asyncmy://u:hunter2@h"}, "names no database"),
        ({"db_type": "mysql", "db_url": "not a url"}, "not a database URL"),
    ],
)
def test_configuration_errors_are_clear(settings: dict[str, str], message: str) -> None:
    with pytest.raises(DatabaseConfigError) as caught:
        get_repository(Settings(**settings))  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_mysql_lock_names_are_scoped_and_short() -> None:
    repo = MySQLRepository(make_url("mysql+asyncmy://u@h/" + "d" * 64))
    assert len(repo._migrate_lock) <= 64 and len(repo._events_lock) <= 64
    assert repo._migrate_lock != repo._events_lock
