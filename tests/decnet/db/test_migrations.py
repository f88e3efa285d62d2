"""Alembic migrations: from an empty database, matching the models, under concurrent start-up."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import URL, make_url

from decnet.db import migrate
from decnet.db.models import metadata
from tests.decnet.db.conftest import BACKENDS, _admin, make_repository, mysql_server_url

REPO_ROOT = Path(__file__).resolve().parents[3]
TABLES = {
    "decky",
    "event",
    "quarantine",
    "session",
    "attacker",
    "credential",
    "fingerprint",
    "probe_result",
    "mutation",
    "worker_state",
    "app_user",
    "revoked_token",
    "operation",
    "attacker_credential",
    "traversal_hop",
    "attacker_technique",
    "profile_history",
}


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """A database with nothing in it (a new SQLite file, or a new MariaDB database)."""
    if request.param == "sqlite":
        yield make_url(f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'decnet.db'}")
        return
    name = f"decnet_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    except Exception as error:
        pytest.skip(f"MariaDB/MySQL unreachable: {error}")
    try:
        yield mysql_server_url().set(database=name)
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name}"))


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    return list(compare_metadata(context, metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def test_migrations_build_the_models_from_an_empty_database(empty_url: URL) -> None:
    repo = make_repository(empty_url)
    try:
        async with repo.engine.connect() as conn:
            assert await conn.run_sync(_tables) == set()
        assert await repo.schema_revision() is None
        await repo.initialize()
        assert await repo.schema_revision() == migrate.head_revision()
        async with repo.engine.connect() as conn:
            assert await conn.run_sync(_tables) == TABLES | {"alembic_version"}
            assert await conn.run_sync(_differences) == []
    finally:
        await repo.close()


async def test_downgrade_to_base_and_back(empty_url: URL) -> None:
    repo = make_repository(empty_url)
    try:
        await repo.initialize()
        async with repo.engine.begin() as conn:
            await conn.run_sync(migrate.downgrade, "base")
        async with repo.engine.connect() as conn:
            assert await conn.run_sync(_tables) == {"alembic_version"}
        await repo.initialize()
        async with repo.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await repo.close()


async def test_concurrent_start_ups_migrate_once(empty_url: URL) -> None:
    """Two processes start at once on an empty database; the migration lock serialises them."""
    script = (
        "import asyncio, sys\n"
        "from sqlalchemy.engine import make_url\n"
        "from tests.decnet.db.conftest import make_repository\n"
        "async def main():\n"
        "    repo = make_repository(make_url(sys.argv[1]))\n"
        "    await repo.initialize()\n"
        "    print(await repo.schema_revision())\n"
        "    await repo.close()\n"
        "asyncio.run(main())\n"
    )
    url = empty_url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            url,
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await p.communicate() for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        assert out.decode().strip() == migrate.head_revision()
    repo = make_repository(empty_url)
    try:
        async with repo.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await repo.close()


def test_config_needs_no_ini_file() -> None:
    config = migrate.alembic_config()
    assert config.config_file_name is None
    assert Path(config.get_main_option("script_location") or "") == migrate.MIGRATIONS_DIR
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()


def test_alembic_command_line_paths(tmp_path: Path) -> None:
    """env.py also serves the ``alembic`` command: offline SQL, and online with an async URL."""
    buffer = io.StringIO()
    config = migrate.alembic_config()
    config.output_buffer = buffer
    config.set_main_option("sqlalchemy.url", "mysql+asyncmy://u:p@localhost/decnet")
    command.upgrade(config, "head", sql=True)
    sql = buffer.getvalue()
    assert "CREATE TABLE event" in sql and "DATETIME(6)" in sql and "utf8mb4_bin" in sql

    db = tmp_path / "cli.db"
    config = migrate.alembic_config()
    config.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{db}")
    command.upgrade(config, "head")

    async def revision() -> str | None:
        repo = make_repository(make_url(f"sqlite+aiosqlite:///{db}"))
        try:
            return await repo.schema_revision()
        finally:
            await repo.close()

    assert asyncio.run(revision()) == migrate.head_revision()
