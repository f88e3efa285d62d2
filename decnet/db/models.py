"""SQLModel tables of the core schema, portable across SQLite and MySQL/MariaDB.

Rules that keep the schema portable: indexed text columns have explicit lengths (MySQL
cannot index unbounded TEXT), ids are BIGINT auto-increment (INTEGER rowid on SQLite),
timestamps are :class:`~decnet.db.types.UTCDateTime` (aware UTC, microseconds), JSON is
stored as text, every index and unique constraint is named, and MySQL tables are InnoDB
``utf8mb4`` with the binary collation so that comparisons match SQLite's byte semantics.

The hand-written migration ``migrations/versions/0001_initial.py`` must match this module;
``tests/decnet/db`` checks it with Alembic's ``compare_metadata`` on both dialects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger as _BigInteger
from sqlalchemy import (
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from decnet.db.types import BigId, JSONText, LongText, UTCDateTime

#: Options of every table on MySQL/MariaDB.
MYSQL_TABLE_ARGS: dict[str, str] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

#: Length limits shared with the event model (``Event.validate``).
EID_LEN = 64
DECKY_LEN = 255
SERVICE_LEN = 48
EVENT_TYPE_LEN = 32
IP_LEN = 45  # longest textual IPv6 (with an embedded IPv4)
SID_LEN = 128
DIGEST_LEN = 64  # sha256 hex


def _id() -> Any:
    return Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))


class Decky(SQLModel, table=True):
    """One decky: its desired spec and state (planner/operator) and actual state (fleet agent)."""

    __tablename__ = "decky"
    __table_args__ = (Index("ix_decky_host", "host"), MYSQL_TABLE_ARGS)

    name: str = Field(sa_column=Column(String(DECKY_LEN), primary_key=True))
    host: str = Field(sa_column=Column(String(255), nullable=False))
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONText(), nullable=False))
    desired_state: str = Field(default="running", sa_column=Column(String(32), nullable=False))
    actual_state: str = Field(default="unknown", sa_column=Column(String(32), nullable=False))
    ip: str | None = Field(default=None, sa_column=Column(String(IP_LEN)))
    mac: str | None = Field(default=None, sa_column=Column(String(17)))
    hostname: str | None = Field(default=None, sa_column=Column(String(255)))
    backend: str | None = Field(default=None, sa_column=Column(String(32)))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class EventRecord(SQLModel, table=True):
    """A stored :class:`decnet.events.model.Event`; ``id`` orders events for worker cursors."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("eid", name="uq_event_eid"),
        Index("ix_event_timestamp", "timestamp"),
        Index("ix_event_decky", "decky"),
        Index("ix_event_src_ip", "src_ip"),
        Index("ix_event_service_event_type", "service", "event_type"),
        {**MYSQL_TABLE_ARGS, "sqlite_autoincrement": True},
    )

    id: int | None = _id()
    eid: str = Field(sa_column=Column(String(EID_LEN), nullable=False))
    timestamp: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decky: str = Field(sa_column=Column(String(DECKY_LEN), nullable=False))
    service: str = Field(sa_column=Column(String(SERVICE_LEN), nullable=False))
    event_type: str = Field(sa_column=Column(String(EVENT_TYPE_LEN), nullable=False))
    src_ip: str | None = Field(default=None, sa_column=Column(String(IP_LEN)))
    src_port: int | None = Field(default=None, sa_column=Column(Integer))
    sid: str | None = Field(default=None, sa_column=Column(String(SID_LEN)))
    fields: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSONText(), nullable=False))
    message: str = Field(default="", sa_column=Column(LongText, nullable=False))
    facility: int = Field(default=16, sa_column=Column(SmallInteger, nullable=False))
    severity: int = Field(default=6, sa_column=Column(SmallInteger, nullable=False))


class QuarantineRecord(SQLModel, table=True):
    """A stored :class:`decnet.events.model.Rejected` frame."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_received_at", "received_at"), MYSQL_TABLE_ARGS)

    id: int | None = _id()
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str = Field(sa_column=Column(String(255), nullable=False))
    peer: str | None = Field(default=None, sa_column=Column(String(255)))
    size: int = Field(sa_column=Column(_BigInteger, nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class AttackSession(SQLModel, table=True):
    """One attacker session on one decky service (built by the correlator)."""

    __tablename__ = "session"
    __table_args__ = (
        Index("ix_session_src_ip", "src_ip"),
        Index("ix_session_started_at", "started_at"),
        Index("ix_session_decky_sid", "decky", "sid"),
        Index("uq_session_skey", "skey", unique=True),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    sid: str | None = Field(default=None, sa_column=Column(String(SID_LEN)))
    decky: str = Field(sa_column=Column(String(DECKY_LEN), nullable=False))
    service: str = Field(sa_column=Column(String(SERVICE_LEN), nullable=False))
    src_ip: str = Field(sa_column=Column(String(IP_LEN), nullable=False))
    src_port: int | None = Field(default=None, sa_column=Column(Integer))
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    event_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    auth_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    authenticated: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    username: str | None = Field(default=None, sa_column=Column(Text))
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONText()))
    # intel (0002): the correlator's session key, newest event and command transcript
    skey: str | None = Field(default=None, sa_column=Column(String(DIGEST_LEN)))
    last_event_id: int | None = Field(default=None, sa_column=Column(_BigInteger))
    transcript: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONText()))


class Attacker(SQLModel, table=True):
    """One attacking source address: when seen, how much, and its profile (profiler)."""

    __tablename__ = "attacker"
    __table_args__ = (
        UniqueConstraint("ip", name="uq_attacker_ip"),
        Index("ix_attacker_last_seen", "last_seen"),
        Index("ix_attacker_updated_at", "updated_at"),
        Index("ix_attacker_last_event_id", "last_event_id"),
        Index("ix_attacker_score", "score"),
        Index("ix_attacker_behaviour", "behaviour"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    ip: str = Field(sa_column=Column(String(IP_LEN), nullable=False))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    event_count: int = Field(default=0, sa_column=Column(_BigInteger, nullable=False))
    session_count: int = Field(default=0, sa_column=Column(_BigInteger, nullable=False))
    auth_attempts: int = Field(default=0, sa_column=Column(_BigInteger, nullable=False))
    score: float = Field(default=0.0, sa_column=Column(Double, nullable=False))
    profile: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONText()))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=False))
    # intel (0002): newest correlated event (profiler cursor), correlator totals, behaviour class
    last_event_id: int | None = Field(default=None, sa_column=Column(_BigInteger))
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONText()))
    behaviour: str | None = Field(default=None, sa_column=Column(String(32)))


class Credential(SQLModel, table=True):
    """A captured secret; one row per (principal, kind, secret, service, decky), see ``digest``."""

    __tablename__ = "credential"
    __table_args__ = (
        UniqueConstraint("digest", name="uq_credential_digest"),
        Index("ix_credential_last_seen", "last_seen"),
        Index("ix_credential_secret_digest", "secret_digest"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    digest: str = Field(default="", sa_column=Column(String(DIGEST_LEN), nullable=False))
    principal: str = Field(sa_column=Column(Text, nullable=False))
    secret_kind: str = Field(default="password", sa_column=Column(String(32), nullable=False))
    secret: str = Field(sa_column=Column(LongText, nullable=False))
    service: str = Field(sa_column=Column(String(SERVICE_LEN), nullable=False))
    decky: str = Field(sa_column=Column(String(DECKY_LEN), nullable=False))
    attempts: int = Field(default=1, sa_column=Column(_BigInteger, nullable=False))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # intel (0002): sha256 of (secret_kind, secret), to find one secret reused across deckies/services
    secret_digest: str | None = Field(default=None, sa_column=Column(String(DIGEST_LEN)))


class Fingerprint(SQLModel, table=True):
    """A fingerprint (p0f, JA3/JA4, HASSH, ...) seen from a source; one row per (src_ip, kind, value)."""

    __tablename__ = "fingerprint"
    __table_args__ = (
        UniqueConstraint("digest", name="uq_fingerprint_digest"),
        Index("ix_fingerprint_src_ip", "src_ip"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    digest: str = Field(default="", sa_column=Column(String(DIGEST_LEN), nullable=False))
    src_ip: str = Field(sa_column=Column(String(IP_LEN), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    value: str = Field(sa_column=Column(Text, nullable=False))
    count: int = Field(default=1, sa_column=Column(_BigInteger, nullable=False))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProbeResult(SQLModel, table=True):
    """One realism check of one of our deckies (``check_name``: ``check`` is an SQL keyword)."""

    __tablename__ = "probe_result"
    __table_args__ = (
        Index("ix_probe_result_decky", "decky"),
        Index("ix_probe_result_checked_at", "checked_at"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    decky: str = Field(sa_column=Column(String(DECKY_LEN), nullable=False))
    check_name: str = Field(sa_column=Column(String(64), nullable=False))
    passed: bool = Field(sa_column=Column(Boolean, nullable=False))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False))
    checked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Mutation(SQLModel, table=True):
    """A change of a decky's service set."""

    __tablename__ = "mutation"
    __table_args__ = (Index("ix_mutation_decky", "decky"), Index("ix_mutation_at", "at"), MYSQL_TABLE_ARGS)

    id: int | None = _id()
    decky: str = Field(sa_column=Column(String(DECKY_LEN), nullable=False))
    old_services: list[str] = Field(default_factory=list, sa_column=Column(JSONText(), nullable=False))
    new_services: list[str] = Field(default_factory=list, sa_column=Column(JSONText(), nullable=False))
    trigger: str = Field(sa_column=Column(String(32), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WorkerState(SQLModel, table=True):
    """A worker's progress (cursor, counters) and liveness (heartbeat, node, pid)."""

    __tablename__ = "worker_state"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    cursor: int = Field(default=0, sa_column=Column(_BigInteger, nullable=False))
    counters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONText(), nullable=False))
    heartbeat_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    node: str | None = Field(default=None, sa_column=Column(String(255)))
    pid: int | None = Field(default=None, sa_column=Column(Integer))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class User(SQLModel, table=True):
    """A dashboard/API account (table ``app_user``: ``user`` is reserved)."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("username", name="uq_app_user_username"), MYSQL_TABLE_ARGS)

    id: int | None = _id()
    username: str = Field(sa_column=Column(String(64), nullable=False))
    password_hash: str = Field(sa_column=Column(String(255), nullable=False))
    role: str = Field(default="viewer", sa_column=Column(String(16), nullable=False))
    must_change_password: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RevokedToken(SQLModel, table=True):
    """A logged-out API token id (``jti``), kept until the token would have expired."""

    __tablename__ = "revoked_token"
    __table_args__ = (Index("ix_revoked_token_expires_at", "expires_at"), MYSQL_TABLE_ARGS)

    jti: str = Field(sa_column=Column(String(64), primary_key=True))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Operation(SQLModel, table=True):
    """An asynchronous fleet operation requested through the API (deploy, teardown, ...)."""

    __tablename__ = "operation"
    __table_args__ = (Index("ix_operation_created_at", "created_at"), MYSQL_TABLE_ARGS)

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    state: str = Field(default="queued", sa_column=Column(String(16), nullable=False))
    progress: float = Field(default=0.0, sa_column=Column(Double, nullable=False))
    deckies: list[str] = Field(default_factory=list, sa_column=Column(JSONText(), nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class AttackerCredential(SQLModel, table=True):
    """Which attacker tried which credential, how often, with how many successes (intel)."""

    __tablename__ = "attacker_credential"
    __table_args__ = (
        UniqueConstraint("digest", name="uq_attacker_credential_digest"),
        Index("ix_attacker_credential_attacker_ip", "attacker_ip"),
        Index("ix_attacker_credential_credential_digest", "credential_digest"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    digest: str = Field(sa_column=Column(String(DIGEST_LEN), nullable=False))
    attacker_ip: str = Field(sa_column=Column(String(IP_LEN), nullable=False))
    credential_digest: str = Field(sa_column=Column(String(DIGEST_LEN), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(_BigInteger, nullable=False))
    successes: int = Field(default=0, sa_column=Column(_BigInteger, nullable=False))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TraversalHop(SQLModel, table=True):
    """One hop of an attacker's path across deckies, in order (intel)."""

    __tablename__ = "traversal_hop"
    __table_args__ = (
        UniqueConstraint("attacker_ip", "seq", name="uq_traversal_hop_attacker_seq"),
        Index("ix_traversal_hop_decky", "decky"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    attacker_ip: str = Field(sa_column=Column(String(IP_LEN), nullable=False))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    decky: str = Field(sa_column=Column(String(DECKY_LEN), nullable=False))
    service: str = Field(sa_column=Column(String(SERVICE_LEN), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    event_id: int = Field(sa_column=Column(_BigInteger, nullable=False))


class AttackerTechnique(SQLModel, table=True):
    """A MITRE ATT&CK technique the profiler attributes to an attacker, with its evidence (intel)."""

    __tablename__ = "attacker_technique"
    __table_args__ = (
        UniqueConstraint("attacker_ip", "technique", name="uq_attacker_technique"),
        Index("ix_attacker_technique_technique", "technique"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = _id()
    attacker_ip: str = Field(sa_column=Column(String(IP_LEN), nullable=False))
    technique: str = Field(sa_column=Column(String(16), nullable=False))
    name: str = Field(sa_column=Column(String(255), nullable=False))
    tactic: str = Field(sa_column=Column(String(64), nullable=False))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False))


class ProfileChange(SQLModel, table=True):
    """One change of an attacker's profile (class, score, phase, techniques), in order (intel)."""

    __tablename__ = "profile_history"
    __table_args__ = (Index("ix_profile_history_attacker_ip", "attacker_ip"), MYSQL_TABLE_ARGS)

    id: int | None = _id()
    attacker_ip: str = Field(sa_column=Column(String(IP_LEN), nullable=False))
    event_id: int = Field(sa_column=Column(_BigInteger, nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    behaviour: str = Field(sa_column=Column(String(32), nullable=False))
    score: float = Field(sa_column=Column(Double, nullable=False))
    phase: str = Field(sa_column=Column(String(32), nullable=False))
    techniques: list[str] = Field(default_factory=list, sa_column=Column(JSONText(), nullable=False))
    changes: list[str] = Field(default_factory=list, sa_column=Column(JSONText(), nullable=False))


def table_of(model: type[SQLModel]) -> Table:
    """The Core :class:`~sqlalchemy.Table` of a table model."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


#: Core tables, for queries.
decky_table = table_of(Decky)
event_table = table_of(EventRecord)
quarantine_table = table_of(QuarantineRecord)
session_table = table_of(AttackSession)
attacker_table = table_of(Attacker)
credential_table = table_of(Credential)
fingerprint_table = table_of(Fingerprint)
probe_result_table = table_of(ProbeResult)
mutation_table = table_of(Mutation)
worker_state_table = table_of(WorkerState)
user_table = table_of(User)
attacker_credential_table = table_of(AttackerCredential)
traversal_hop_table = table_of(TraversalHop)
attacker_technique_table = table_of(AttackerTechnique)
profile_history_table = table_of(ProfileChange)
revoked_token_table = table_of(RevokedToken)
operation_table = table_of(Operation)

#: The metadata the migrations build.
metadata = SQLModel.metadata
