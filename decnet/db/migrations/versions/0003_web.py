"""Web app: revoked API tokens (logout across restarts and replicas) and fleet operations.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of decnet.db.types (a migration never follows later edits).
TS = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
TABLE_OPTS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def upgrade() -> None:
    op.create_table(
        "revoked_token",
        sa.Column("jti", sa.String(64), primary_key=True, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        **TABLE_OPTS,
    )
    op.create_index("ix_revoked_token_expires_at", "revoked_token", ["expires_at"])

    op.create_table(
        "operation",
        sa.Column("id", sa.String(32), primary_key=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("deckies", JSON_TEXT, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        **TABLE_OPTS,
    )
    op.create_index("ix_operation_created_at", "operation", ["created_at"])


def downgrade() -> None:
    op.drop_table("operation")
    op.drop_table("revoked_token")
