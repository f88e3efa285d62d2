"""Column types that behave the same on SQLite and MySQL/MariaDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Auto-increment primary key: BIGINT on MySQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

#: Unbounded text: TEXT on SQLite, MEDIUMTEXT (16 MiB) on MySQL where TEXT stops at 64 KiB.
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")

#: How timestamps are stored on SQLite (the format SQLAlchemy's SQLite DATETIME reads and writes).
SQLITE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _is_mysql(dialect: Dialect) -> bool:
    return dialect.name in {"mysql", "mariadb"}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as naive UTC with microseconds.

    Binding a naive datetime raises ``ValueError``; values read back are aware (UTC) on
    every dialect. MySQL/MariaDB get ``DATETIME(6)``.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is_mysql(dialect):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return to_naive_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw text written outside SQLAlchemy
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONText(TypeDecorator[Any]):
    """A JSON document stored as text (MEDIUMTEXT on MySQL): portable and greppable."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is_mysql(dialect):
            return dialect.type_descriptor(mysql.MEDIUMTEXT())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json_dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(value)


def to_naive_utc(value: datetime) -> datetime:
    """Convert an aware datetime to naive UTC; reject naive ones."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: timestamps must be timezone-aware")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def db_time_text(value: datetime) -> str:
    """Render an aware datetime as the UTC text both dialects store (``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    if value.tzinfo is not UTC:
        value = to_naive_utc(value)
    return value.isoformat(" ", "microseconds")[:26]


def json_dumps(value: Any) -> str:
    """Compact JSON keeping non-ASCII text as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
