"""Initial schema: deckies, events, quarantine, sessions, attackers, credentials,
fingerprints, probe results, mutations, worker state and users.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of decnet.db.types (a migration never follows later edits).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
LONG_TEXT = JSON_TEXT
TABLE_OPTS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True, autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "decky",
        sa.Column("name", sa.String(255), primary_key=True, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("spec", JSON_TEXT, nullable=False),
        sa.Column("desired_state", sa.String(32), nullable=False),
        sa.Column("actual_state", sa.String(32), nullable=False),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("mac", sa.String(17), nullable=True),
        sa.Column("hostname", sa.String(255), nullable=True),
        sa.Column("backend", sa.String(32), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        **TABLE_OPTS,
    )
    op.create_index("ix_decky_host", "decky", ["host"])

    op.create_table(
        "event",
        _id(),
        sa.Column("eid", sa.String(64), nullable=False),
        sa.Column("timestamp", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("decky", sa.String(255), nullable=False),
        sa.Column("service", sa.String(48), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("src_ip", sa.String(45), nullable=True),
        sa.Column("src_port", sa.Integer(), nullable=True),
        sa.Column("sid", sa.String(128), nullable=True),
        sa.Column("fields", JSON_TEXT, nullable=False),
        sa.Column("message", LONG_TEXT, nullable=False),
        sa.Column("facility", sa.SmallInteger(), nullable=False),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.UniqueConstraint("eid", name="uq_event_eid"),
        sqlite_autoincrement=True,
        **TABLE_OPTS,
    )
    op.create_index("ix_event_timestamp", "event", ["timestamp"])
    op.create_index("ix_event_decky", "event", ["decky"])
    op.create_index("ix_event_src_ip", "event", ["src_ip"])
    op.create_index("ix_event_service_event_type", "event", ["service", "event_type"])

    op.create_table(
        "quarantine",
        _id(),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("peer", sa.String(255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        **TABLE_OPTS,
    )
    op.create_index("ix_quarantine_received_at", "quarantine", ["received_at"])

    op.create_table(
        "session",
        _id(),
        sa.Column("sid", sa.String(128), nullable=True),
        sa.Column("decky", sa.String(255), nullable=False),
        sa.Column("service", sa.String(48), nullable=False),
        sa.Column("src_ip", sa.String(45), nullable=False),
        sa.Column("src_port", sa.Integer(), nullable=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("auth_attempts", sa.Integer(), nullable=False),
        sa.Column("authenticated", sa.Boolean(), nullable=False),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("summary", JSON_TEXT, nullable=True),
        **TABLE_OPTS,
    )
    op.create_index("ix_session_src_ip", "session", ["src_ip"])
    op.create_index("ix_session_started_at", "session", ["started_at"])
    op.create_index("ix_session_decky_sid", "session", ["decky", "sid"])

    op.create_table(
        "attacker",
        _id(),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("event_count", sa.BigInteger(), nullable=False),
        sa.Column("session_count", sa.BigInteger(), nullable=False),
        sa.Column("auth_attempts", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("profile", JSON_TEXT, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("ip", name="uq_attacker_ip"),
        **TABLE_OPTS,
    )
    op.create_index("ix_attacker_last_seen", "attacker", ["last_seen"])
    op.create_index("ix_attacker_updated_at", "attacker", ["updated_at"])

    op.create_table(
        "credential",
        _id(),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("secret_kind", sa.String(32), nullable=False),
        sa.Column("secret", LONG_TEXT, nullable=False),
        sa.Column("service", sa.String(48), nullable=False),
        sa.Column("decky", sa.String(255), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.UniqueConstraint("digest", name="uq_credential_digest"),
        **TABLE_OPTS,
    )
    op.create_index("ix_credential_last_seen", "credential", ["last_seen"])

    op.create_table(
        "fingerprint",
        _id(),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("src_ip", sa.String(45), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.UniqueConstraint("digest", name="uq_fingerprint_digest"),
        **TABLE_OPTS,
    )
    op.create_index("ix_fingerprint_src_ip", "fingerprint", ["src_ip"])

    op.create_table(
        "probe_result",
        _id(),
        sa.Column("decky", sa.String(255), nullable=False),
        sa.Column("check_name", sa.String(64), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        **TABLE_OPTS,
    )
    op.create_index("ix_probe_result_decky", "probe_result", ["decky"])
    op.create_index("ix_probe_result_checked_at", "probe_result", ["checked_at"])

    op.create_table(
        "mutation",
        _id(),
        sa.Column("decky", sa.String(255), nullable=False),
        sa.Column("old_services", JSON_TEXT, nullable=False),
        sa.Column("new_services", JSON_TEXT, nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
        **TABLE_OPTS,
    )
    op.create_index("ix_mutation_decky", "mutation", ["decky"])
    op.create_index("ix_mutation_at", "mutation", ["at"])

    op.create_table(
        "worker_state",
        sa.Column("name", sa.String(64), primary_key=True, nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("counters", JSON_TEXT, nullable=False),
        sa.Column("heartbeat_at", TS, nullable=True),
        sa.Column("node", sa.String(255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        **TABLE_OPTS,
    )

    op.create_table(
        "app_user",
        _id(),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
        **TABLE_OPTS,
    )


def downgrade() -> None:
    for table in (
        "app_user",
        "worker_state",
        "mutation",
        "probe_result",
        "fingerprint",
        "credential",
        "attacker",
        "session",
        "quarantine",
        "event",
        "decky",
    ):
        op.drop_table(table)
