"""Reuse the repository fixtures (SQLite and MariaDB) of the storage tests."""

from tests.decnet.db.conftest import backend, db_url, mysql_database, repo

__all__ = ["backend", "db_url", "mysql_database", "repo"]
