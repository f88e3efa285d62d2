"""Intel: session keys and transcripts, attacker totals and class, credential reuse, attacker
credentials, traversal hops, ATT&CK techniques and profile history.

Revision ID: 0002
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of decnet.db.types (a migration never follows later edits).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
TABLE_OPTS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True, autoincrement=True, nullable=False)


def upgrade() -> None:
    op.add_column("session", sa.Column("skey", sa.String(64), nullable=True))
    op.add_column("session", sa.Column("last_event_id", sa.BigInteger(), nullable=True))
    op.add_column("session", sa.Column("transcript", JSON_TEXT, nullable=True))
    op.create_index("uq_session_skey", "session", ["skey"], unique=True)

    op.add_column("attacker", sa.Column("last_event_id", sa.BigInteger(), nullable=True))
    op.add_column("attacker", sa.Column("summary", JSON_TEXT, nullable=True))
    op.add_column("attacker", sa.Column("behaviour", sa.String(32), nullable=True))
    op.create_index("ix_attacker_last_event_id", "attacker", ["last_event_id"])
    op.create_index("ix_attacker_score", "attacker", ["score"])
    op.create_index("ix_attacker_behaviour", "attacker", ["behaviour"])

    op.add_column("credential", sa.Column("secret_digest", sa.String(64), nullable=True))
    op.create_index("ix_credential_secret_digest", "credential", ["secret_digest"])

    op.create_table(
        "attacker_credential",
        _id(),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("attacker_ip", sa.String(45), nullable=False),
        sa.Column("credential_digest", sa.String(64), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("successes", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.UniqueConstraint("digest", name="uq_attacker_credential_digest"),
        **TABLE_OPTS,
    )
    op.create_index("ix_attacker_credential_attacker_ip", "attacker_credential", ["attacker_ip"])
    op.create_index("ix_attacker_credential_credential_digest", "attacker_credential", ["credential_digest"])

    op.create_table(
        "traversal_hop",
        _id(),
        sa.Column("attacker_ip", sa.String(45), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("decky", sa.String(255), nullable=False),
        sa.Column("service", sa.String(48), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("attacker_ip", "seq", name="uq_traversal_hop_attacker_seq"),
        **TABLE_OPTS,
    )
    op.create_index("ix_traversal_hop_decky", "traversal_hop", ["decky"])

    op.create_table(
        "attacker_technique",
        _id(),
        sa.Column("attacker_ip", sa.String(45), nullable=False),
        sa.Column("technique", sa.String(16), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("tactic", sa.String(64), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.UniqueConstraint("attacker_ip", "technique", name="uq_attacker_technique"),
        **TABLE_OPTS,
    )
    op.create_index("ix_attacker_technique_technique", "attacker_technique", ["technique"])

    op.create_table(
        "profile_history",
        _id(),
        sa.Column("attacker_ip", sa.String(45), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("behaviour", sa.String(32), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("techniques", JSON_TEXT, nullable=False),
        sa.Column("changes", JSON_TEXT, nullable=False),
        **TABLE_OPTS,
    )
    op.create_index("ix_profile_history_attacker_ip", "profile_history", ["attacker_ip"])


def downgrade() -> None:
    op.drop_table("profile_history")
    op.drop_table("attacker_technique")
    op.drop_table("traversal_hop")
    op.drop_table("attacker_credential")
    op.drop_index("ix_credential_secret_digest", table_name="credential")
    op.drop_index("ix_attacker_behaviour", table_name="attacker")
    op.drop_index("ix_attacker_score", table_name="attacker")
    op.drop_index("ix_attacker_last_event_id", table_name="attacker")
    op.drop_index("uq_session_skey", table_name="session")
    with op.batch_alter_table("credential") as batch:
        batch.drop_column("secret_digest")
    with op.batch_alter_table("attacker") as batch:
        batch.drop_column("behaviour")
        batch.drop_column("summary")
        batch.drop_column("last_event_id")
    with op.batch_alter_table("session") as batch:
        batch.drop_column("transcript")
        batch.drop_column("last_event_id")
        batch.drop_column("skey")
