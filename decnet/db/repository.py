"""The portable repository: every query DECNET runs, over an async SQLAlchemy engine.

:class:`SQLModelRepository` holds all the SQL that is the same on SQLite and MySQL/MariaDB.
Subclasses (:mod:`decnet.db.sqlite`, :mod:`decnet.db.mysql`) override only dialect bits:
engine creation (pragmas, pool), the insert-ignore verb and paramstyle used by
:meth:`SQLModelRepository.add_events`, the upsert flavour, and locks.

Write methods that a worker may want to group take ``conn=``: pass the connection yielded
by :meth:`SQLModelRepository.transaction` and the writes commit (or roll back) together,
e.g. a correlator's sessions and its cursor.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Select, Table, case, delete, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import Insert
from sqlmodel import SQLModel

from decnet.db import migrate
from decnet.db.errors import AlreadyExists, DatabaseUnavailable
from decnet.db.models import (
    Attacker,
    AttackSession,
    Credential,
    Decky,
    Fingerprint,
    Mutation,
    ProbeResult,
    User,
    WorkerState,
    attacker_table,
    credential_table,
    decky_table,
    event_table,
    fingerprint_table,
    mutation_table,
    probe_result_table,
    quarantine_table,
    session_table,
    user_table,
    worker_state_table,
)
from decnet.db.telemetry import Telemetry
from decnet.db.types import db_time_text
from decnet.db.urls import mask_url, url_password
from decnet.events.model import Event, Rejected

#: The result of a :meth:`SQLModelRepository.read` query.
R = TypeVar("R")

log = logging.getLogger("decnet.db")

#: Columns written by :meth:`SQLModelRepository.add_events`, in tuple order.
EVENT_INSERT_COLUMNS = (
    "eid",
    "timestamp",
    "received_at",
    "decky",
    "service",
    "event_type",
    "src_ip",
    "src_port",
    "sid",
    "fields",
    "message",
    "facility",
    "severity",
)

_EVENT_SELECT_COLUMNS = (
    event_table.c.id,
    event_table.c.received_at,
    event_table.c.eid,
    event_table.c.timestamp,
    event_table.c.decky,
    event_table.c.service,
    event_table.c.event_type,
    event_table.c.src_ip,
    event_table.c.src_port,
    event_table.c.sid,
    event_table.c.fields,
    event_table.c.message,
    event_table.c.facility,
    event_table.c.severity,
)

# Compact JSON, non-ASCII kept as is; one encoder reused (json.dumps(**kw) builds one per call).
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

#: An upsert's SET clause, built from the dialect's "proposed row" namespace
#: (SQLite ``excluded``, MySQL ``VALUES()``/alias).
UpdateBuilder = Callable[[Any], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class AddEventsResult:
    """Outcome of :meth:`SQLModelRepository.add_events`: new rows and ignored duplicates (by eid)."""

    inserted: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: its row ``id`` (cursor order), when it was stored, and the event."""

    id: int
    received_at: datetime
    event: Event


@dataclass(frozen=True, slots=True)
class StoredRejected:
    """A quarantined frame as stored."""

    id: int
    rejected: Rejected


def secret_digest(*parts: str | None) -> str:
    """sha256 hex of an unambiguous encoding of ``parts`` (the unique key of long secrets)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def credential_digest(item: Credential) -> str:
    """Unique key of a credential: principal, secret kind, secret, service, decky."""
    return secret_digest(item.principal, item.secret_kind, item.secret, item.service, item.decky)


def fingerprint_digest(item: Fingerprint) -> str:
    """Unique key of a fingerprint: source, kind, value."""
    return secret_digest(item.src_ip, item.kind, item.value)


def _now() -> datetime:
    return datetime.now(UTC)


def _earliest(table: Table, proposed: Any, column: str) -> ColumnElement[Any]:
    current, new = table.c[column], proposed[column]
    return case((new < current, new), else_=current)


def _latest(table: Table, proposed: Any, column: str) -> ColumnElement[Any]:
    current, new = table.c[column], proposed[column]
    return case((new > current, new), else_=current)


def _row_values(item: SQLModel, table: Table, *, skip: frozenset[str] = frozenset({"id"})) -> dict[str, Any]:
    return {c.name: getattr(item, c.name) for c in table.columns if c.name not in skip}


class SQLModelRepository:
    """Every portable query of DECNET over one async engine (see the module docstring).

    Build it with :func:`decnet.db.factory.get_repository`; call :meth:`initialize` once
    (it migrates the schema) and :meth:`close` at the end.
    """

    #: ``INSERT`` that skips rows violating a unique key, e.g. ``INSERT OR IGNORE INTO``.
    insert_ignore_verb: ClassVar[str] = "INSERT INTO"
    #: The driver's placeholder (``?`` for qmark, ``%s`` for format).
    placeholder: ClassVar[str] = "?"

    def __init__(self, url: str | URL, engine: AsyncEngine) -> None:
        self._url = make_url(url)
        self._engine = engine
        self._password = url_password(self._url)
        #: Per-method call counts and latencies (filled once instrumented).
        self.telemetry = Telemetry()
        quote = engine.dialect.identifier_preparer.quote
        columns = ", ".join(quote(c) for c in EVENT_INSERT_COLUMNS)
        values = ", ".join([self.placeholder] * len(EVENT_INSERT_COLUMNS))
        self._insert_events_sql = f"{self.insert_ignore_verb} {quote('event')} ({columns}) VALUES ({values})"

    # -- plumbing --------------------------------------------------------------------------

    @property
    def engine(self) -> AsyncEngine:
        """The underlying async engine."""
        return self._engine

    @property
    def display_url(self) -> str:
        """The database URL with the password masked."""
        return mask_url(self._url)

    def _unavailable(self, error: BaseException) -> DatabaseUnavailable:
        orig = getattr(error, "orig", None)
        reason = f"{type(orig or error).__name__}: {orig or error}"
        if self._password:
            reason = reason.replace(self._password, "***")
        return DatabaseUnavailable(self.display_url, reason)

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection; unreachable databases become :class:`DatabaseUnavailable`."""
        try:
            conn = await self._engine.connect()
        except (sa_exc.DBAPIError, OSError, TimeoutError) as error:
            raise self._unavailable(error) from error
        try:
            yield conn
        except sa_exc.DBAPIError as error:
            if error.connection_invalidated:
                raise self._unavailable(error) from error
            raise
        finally:
            await conn.close()

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        async with self._connect() as conn, conn.begin():
            yield conn

    def _writing(self, conn: AsyncConnection | None) -> AbstractAsyncContextManager[AsyncConnection]:
        """The caller's transaction if given, else a new one committed on exit."""
        return nullcontext(conn) if conn is not None else self._begin()

    def _reading(self, conn: AsyncConnection | None) -> AbstractAsyncContextManager[AsyncConnection]:
        return nullcontext(conn) if conn is not None else self._connect()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: pass the yielded connection as ``conn=`` to group writes atomically.

        Commits when the block ends, rolls back if it raises.
        """
        async with self._begin() as conn:
            yield conn

    async def read(self, query: Callable[[Connection], R]) -> R:
        """``query(connection)`` on a plain (synchronous) connection, for reads only; its result.

        ``query`` runs all its statements and builds its result in one go: nothing is committed,
        and it must not write. Here it runs through the async engine (``run_sync``); the SQLite
        repository runs it on a pool of read connections in worker threads, one thread hop per
        call instead of one per driver call.
        """
        async with self._connect() as conn:
            return await conn.run_sync(query)

    # -- dialect hooks (overridden by subclasses) ------------------------------------------

    def _upsert(self, table: Table, keys: Sequence[str], build: UpdateBuilder) -> Insert:
        """``INSERT`` into ``table`` that, on a conflict on ``keys``, applies ``build(proposed)``."""
        raise NotImplementedError

    def _migration_lock(self, conn: AsyncConnection) -> AbstractAsyncContextManager[object]:
        """Held while migrating, so that concurrent start-ups migrate one at a time."""
        return nullcontext()

    def _event_writer(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """The transaction :meth:`add_events` inserts in (committed on exit)."""
        return self._begin()

    # -- life cycle ------------------------------------------------------------------------

    async def initialize(self) -> None:
        """Connect and bring the schema to the newest migration (safe to call repeatedly and concurrently)."""
        async with self._connect() as conn:
            async with self._migration_lock(conn):
                await conn.run_sync(migrate.upgrade)
                await conn.commit()
            log.debug("schema of %s at revision %s", self.display_url, migrate.head_revision())

    async def schema_revision(self) -> str | None:
        """The migration revision the database is at (None before :meth:`initialize`)."""
        async with self._connect() as conn:
            return await conn.run_sync(migrate.current_revision)

    async def ping(self) -> None:
        """Round-trip to the database; raises :class:`DatabaseUnavailable` when it is down."""
        async with self._connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    # -- events ----------------------------------------------------------------------------

    async def add_events(self, events: Sequence[Event]) -> AddEventsResult:
        """Store events in one transaction, ignoring any whose ``eid`` is already stored.

        Idempotent: a resent event (or a repeat inside ``events``) is counted as a duplicate.
        Pass validated events (``Event.validate``): timestamps must be timezone-aware and text
        UTF-8 encodable; a ``None`` in a required field raises ``ValueError`` (the insert-ignore
        statements would otherwise drop or coerce the row), and MySQL truncates text longer
        than its column (``src_ip`` 45, ``sid`` 128 characters).
        """
        if not events:
            return AddEventsResult(0, 0)
        received = db_time_text(_now())
        encode = _encode_json
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for e in events:
            ts = e.timestamp
            stamp = ts.isoformat(" ", "microseconds")[:26] if ts.tzinfo is UTC else db_time_text(ts)
            f = e.fields
            append(
                (
                    e.eid,
                    stamp,
                    received,
                    e.decky,
                    e.service,
                    e.event_type,
                    e.src_ip,
                    e.src_port,
                    e.sid,
                    encode(f) if f else "{}",
                    e.message,
                    e.facility,
                    e.severity,
                )
            )
        for row in rows:
            if None in row[:6] or row[10] is None or row[11] is None or row[12] is None:
                raise ValueError(
                    f"event {row[0]!r} lacks a required field (eid, decky, service, event_type, ...)"
                )
        async with self._event_writer() as conn:
            result = await conn.exec_driver_sql(self._insert_events_sql, rows)
        inserted = max(result.rowcount, 0)
        return AddEventsResult(inserted, len(rows) - inserted)

    def _select_events(self) -> Select[Any]:
        return select(*_EVENT_SELECT_COLUMNS)

    @staticmethod
    def _stored_event(row: Any) -> StoredEvent:
        (
            id_,
            received_at,
            eid,
            ts,
            decky,
            service,
            event_type,
            src_ip,
            src_port,
            sid,
            fields,
            message,
            fac,
            sev,
        ) = row
        event = Event(eid, ts, decky, service, event_type, src_ip, src_port, sid, fields, message, fac, sev)
        return StoredEvent(id_, received_at, event)

    async def events_after(
        self, after_id: int, limit: int = 1000, *, conn: AsyncConnection | None = None
    ) -> list[StoredEvent]:
        """Up to ``limit`` events with ``id > after_id``, in id order (a worker's cursor batch)."""
        stmt = (
            self._select_events().where(event_table.c.id > after_id).order_by(event_table.c.id).limit(limit)
        )
        async with self._reading(conn) as c:
            result = await c.execute(stmt)
            return [self._stored_event(row) for row in result]

    async def get_event_by_eid(self, eid: str) -> StoredEvent | None:
        """The stored event with this ``eid``, if any."""
        async with self._connect() as conn:
            row = (await conn.execute(self._select_events().where(event_table.c.eid == eid))).first()
        return None if row is None else self._stored_event(row)

    async def count_events(self) -> int:
        """Number of stored events."""
        return await self._count(event_table)

    async def max_event_id(self) -> int:
        """Highest event id (0 when there is none)."""
        async with self._connect() as conn:
            value = (await conn.execute(select(func.max(event_table.c.id)))).scalar()
        return int(value or 0)

    async def _count(self, table: Table) -> int:
        async with self._connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

    # -- quarantine ------------------------------------------------------------------------

    async def add_rejected(self, items: Sequence[Rejected]) -> int:
        """Quarantine rejected frames; returns how many were stored."""
        if not items:
            return 0
        rows = [
            {"received_at": r.received_at, "reason": r.reason, "peer": r.peer, "size": r.size, "raw": r.raw}
            for r in items
        ]
        async with self._begin() as conn:
            await conn.execute(insert(quarantine_table), rows)
        return len(rows)

    async def list_rejected(self, limit: int = 100) -> list[StoredRejected]:
        """The newest ``limit`` quarantined frames, newest first."""
        t = quarantine_table
        stmt = select(t.c.id, t.c.reason, t.c.raw, t.c.size, t.c.peer, t.c.received_at)
        async with self._connect() as conn:
            rows = await conn.execute(stmt.order_by(t.c.id.desc()).limit(limit))
            return [
                StoredRejected(id_, Rejected(reason, bytes(raw), size, peer, received_at))
                for id_, reason, raw, size, peer, received_at in rows
            ]

    async def count_rejected(self) -> int:
        """Number of quarantined frames."""
        return await self._count(quarantine_table)

    # -- deckies ---------------------------------------------------------------------------

    async def upsert_decky(
        self,
        name: str,
        *,
        host: str,
        spec: Mapping[str, Any],
        desired_state: str = "running",
        ip: str | None = None,
        mac: str | None = None,
        hostname: str | None = None,
        backend: str | None = None,
    ) -> None:
        """Create or update a decky's desired side (spec, state, identity); ``actual_state`` is kept."""
        row = {
            "name": name,
            "host": host,
            "spec": dict(spec),
            "desired_state": desired_state,
            "actual_state": "unknown",
            "ip": ip,
            "mac": mac,
            "hostname": hostname,
            "backend": backend,
            "updated_at": _now(),
        }
        kept = {"name", "actual_state"}
        stmt = self._upsert(decky_table, ["name"], lambda new: {k: new[k] for k in row if k not in kept})
        async with self._begin() as conn:
            await conn.execute(stmt, [row])

    async def get_decky(self, name: str) -> Decky | None:
        """One decky by name."""
        async with self._connect() as conn:
            row = (await conn.execute(select(decky_table).where(decky_table.c.name == name))).first()
        return None if row is None else Decky(**row._mapping)

    async def list_deckies(self, host: str | None = None) -> list[Decky]:
        """All deckies (or those of one host), by name."""
        stmt = select(decky_table).order_by(decky_table.c.name)
        if host is not None:
            stmt = stmt.where(decky_table.c.host == host)
        async with self._connect() as conn:
            return [Decky(**row._mapping) for row in await conn.execute(stmt)]

    async def set_decky_actual_state(self, name: str, actual_state: str) -> bool:
        """Record what the backend reports for a decky; False if the decky does not exist."""
        stmt = (
            update(decky_table)
            .where(decky_table.c.name == name)
            .values(actual_state=actual_state, updated_at=_now())
        )
        async with self._begin() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def delete_decky(self, name: str) -> bool:
        """Forget a decky; False if it did not exist."""
        async with self._begin() as conn:
            return (await conn.execute(delete(decky_table).where(decky_table.c.name == name))).rowcount > 0

    # -- worker state ----------------------------------------------------------------------

    async def get_worker_state(self, name: str, *, conn: AsyncConnection | None = None) -> WorkerState | None:
        """A worker's saved cursor, counters and heartbeat."""
        stmt = select(worker_state_table).where(worker_state_table.c.name == name)
        async with self._reading(conn) as c:
            row = (await c.execute(stmt)).first()
        return None if row is None else WorkerState(**row._mapping)

    async def save_worker_state(
        self,
        name: str,
        cursor: int,
        counters: Mapping[str, Any] | None = None,
        *,
        conn: AsyncConnection | None = None,
    ) -> None:
        """Atomically create or replace a worker's cursor and counters (heartbeat fields kept)."""
        row = {
            "name": name,
            "cursor": cursor,
            "counters": dict(counters or {}),
            "updated_at": _now(),
        }
        stmt = self._upsert(
            worker_state_table,
            ["name"],
            lambda new: {
                "cursor": new["cursor"],
                "counters": new["counters"],
                "updated_at": new["updated_at"],
            },
        )
        async with self._writing(conn) as c:
            await c.execute(stmt, [row])

    async def heartbeat(self, name: str, node: str, pid: int) -> None:
        """Record that worker ``name`` is alive as ``pid`` on ``node`` (cursor and counters kept)."""
        now = _now()
        row = {
            "name": name,
            "cursor": 0,
            "counters": {},
            "heartbeat_at": now,
            "node": node,
            "pid": pid,
            "updated_at": now,
        }
        stmt = self._upsert(
            worker_state_table,
            ["name"],
            lambda new: {"heartbeat_at": new["heartbeat_at"], "node": new["node"], "pid": new["pid"]},
        )
        async with self._begin() as conn:
            await conn.execute(stmt, [row])

    async def list_worker_states(self) -> list[WorkerState]:
        """Every worker's state, by name."""
        async with self._connect() as conn:
            rows = await conn.execute(select(worker_state_table).order_by(worker_state_table.c.name))
            return [WorkerState(**row._mapping) for row in rows]

    # -- users -----------------------------------------------------------------------------

    async def create_user(
        self, username: str, password_hash: str, *, role: str = "viewer", must_change_password: bool = True
    ) -> User:
        """Create an account; raises :class:`AlreadyExists` if the username is taken."""
        user = User(
            username=username,
            password_hash=password_hash,
            role=role,
            must_change_password=must_change_password,
            created_at=_now(),
        )
        try:
            async with self._begin() as conn:
                result = await conn.execute(insert(user_table), _row_values(user, user_table))
        except sa_exc.IntegrityError as error:
            raise AlreadyExists(f"user {username!r} already exists") from error
        key = result.inserted_primary_key
        user.id = int(key[0]) if key is not None else None
        return user

    async def get_user_by_username(self, username: str) -> User | None:
        """One account by username."""
        async with self._connect() as conn:
            row = (await conn.execute(select(user_table).where(user_table.c.username == username))).first()
        return None if row is None else User(**row._mapping)

    async def list_users(self) -> list[User]:
        """Every account, by username."""
        async with self._connect() as conn:
            return [
                User(**row._mapping)
                for row in await conn.execute(select(user_table).order_by(user_table.c.username))
            ]

    async def count_users(self) -> int:
        """Number of accounts."""
        return await self._count(user_table)

    async def update_user_password(
        self, username: str, password_hash: str, *, must_change_password: bool = False
    ) -> bool:
        """Replace an account's password hash and must-change flag; False if there is no such user."""
        stmt = (
            update(user_table)
            .where(user_table.c.username == username)
            .values(password_hash=password_hash, must_change_password=must_change_password)
        )
        async with self._begin() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def delete_user(self, username: str) -> bool:
        """Delete an account; False if there was none."""
        async with self._begin() as conn:
            return (
                await conn.execute(delete(user_table).where(user_table.c.username == username))
            ).rowcount > 0

    # -- sessions --------------------------------------------------------------------------

    async def add_sessions(
        self, items: Sequence[AttackSession], *, conn: AsyncConnection | None = None
    ) -> int:
        """Store attacker sessions; returns how many."""
        if not items:
            return 0
        async with self._writing(conn) as c:
            await c.execute(insert(session_table), [_row_values(s, session_table) for s in items])
        return len(items)

    async def list_sessions(
        self, *, src_ip: str | None = None, decky: str | None = None, limit: int = 100
    ) -> list[AttackSession]:
        """The newest sessions (optionally of one source or decky), newest first."""
        t = session_table
        stmt = select(t).order_by(t.c.started_at.desc(), t.c.id.desc()).limit(limit)
        if src_ip is not None:
            stmt = stmt.where(t.c.src_ip == src_ip)
        if decky is not None:
            stmt = stmt.where(t.c.decky == decky)
        async with self._connect() as conn:
            return [AttackSession(**row._mapping) for row in await conn.execute(stmt)]

    # -- attackers -------------------------------------------------------------------------

    async def upsert_attackers(
        self, items: Sequence[Attacker], *, conn: AsyncConnection | None = None
    ) -> None:
        """Merge observations into attackers by ``ip``.

        New ips are inserted as given. For known ones, ``first_seen``/``last_seen`` widen, and
        ``event_count``, ``session_count`` and ``auth_attempts`` are ADDED (they are deltas);
        ``score`` and ``profile`` are kept (see :meth:`set_attacker_profile`).
        """
        if not items:
            return
        now = _now()
        rows = [{**_row_values(a, attacker_table), "updated_at": now} for a in items]
        t = attacker_table

        def merge(new: Any) -> dict[str, Any]:
            return {
                "first_seen": _earliest(t, new, "first_seen"),
                "last_seen": _latest(t, new, "last_seen"),
                "event_count": t.c.event_count + new["event_count"],
                "session_count": t.c.session_count + new["session_count"],
                "auth_attempts": t.c.auth_attempts + new["auth_attempts"],
                "updated_at": new["updated_at"],
            }

        async with self._writing(conn) as c:
            await c.execute(self._upsert(t, ["ip"], merge), rows)

    async def set_attacker_profile(
        self, ip: str, score: float, profile: Mapping[str, Any], *, conn: AsyncConnection | None = None
    ) -> bool:
        """Store the profiler's verdict for one attacker; False if the ip is unknown."""
        stmt = (
            update(attacker_table)
            .where(attacker_table.c.ip == ip)
            .values(score=score, profile=dict(profile), updated_at=_now())
        )
        async with self._writing(conn) as c:
            return (await c.execute(stmt)).rowcount > 0

    async def get_attacker(self, ip: str) -> Attacker | None:
        """One attacker by ip."""
        async with self._connect() as conn:
            row = (await conn.execute(select(attacker_table).where(attacker_table.c.ip == ip))).first()
        return None if row is None else Attacker(**row._mapping)

    async def list_attackers(self, limit: int = 100) -> list[Attacker]:
        """The most recently seen attackers, newest first."""
        t = attacker_table
        stmt = select(t).order_by(t.c.last_seen.desc(), t.c.id.desc()).limit(limit)
        async with self._connect() as conn:
            return [Attacker(**row._mapping) for row in await conn.execute(stmt)]

    # -- credentials -----------------------------------------------------------------------

    async def upsert_credentials(
        self, items: Sequence[Credential], *, conn: AsyncConnection | None = None
    ) -> None:
        """Merge captured credentials by digest: ``attempts`` are added, first/last seen widen."""
        if not items:
            return
        t = credential_table
        rows = [{**_row_values(c, t), "digest": credential_digest(c)} for c in items]

        def merge(new: Any) -> dict[str, Any]:
            return {
                "attempts": t.c.attempts + new["attempts"],
                "first_seen": _earliest(t, new, "first_seen"),
                "last_seen": _latest(t, new, "last_seen"),
            }

        async with self._writing(conn) as c:
            await c.execute(self._upsert(t, ["digest"], merge), rows)

    async def list_credentials(self, *, service: str | None = None, limit: int = 100) -> list[Credential]:
        """The most recently seen credentials (optionally of one service), newest first."""
        t = credential_table
        stmt = select(t).order_by(t.c.last_seen.desc(), t.c.id.desc()).limit(limit)
        if service is not None:
            stmt = stmt.where(t.c.service == service)
        async with self._connect() as conn:
            return [Credential(**row._mapping) for row in await conn.execute(stmt)]

    # -- fingerprints ----------------------------------------------------------------------

    async def upsert_fingerprints(
        self, items: Sequence[Fingerprint], *, conn: AsyncConnection | None = None
    ) -> None:
        """Merge fingerprints by (src_ip, kind, value): ``count`` is added, first/last seen widen."""
        if not items:
            return
        t = fingerprint_table
        rows = [{**_row_values(f, t), "digest": fingerprint_digest(f)} for f in items]

        def merge(new: Any) -> dict[str, Any]:
            return {
                "count": t.c["count"] + new["count"],
                "first_seen": _earliest(t, new, "first_seen"),
                "last_seen": _latest(t, new, "last_seen"),
            }

        async with self._writing(conn) as c:
            await c.execute(self._upsert(t, ["digest"], merge), rows)

    async def list_fingerprints(
        self, *, src_ip: str | None = None, kind: str | None = None, limit: int = 100
    ) -> list[Fingerprint]:
        """The most recently seen fingerprints (optionally filtered), newest first."""
        t = fingerprint_table
        stmt = select(t).order_by(t.c.last_seen.desc(), t.c.id.desc()).limit(limit)
        if src_ip is not None:
            stmt = stmt.where(t.c.src_ip == src_ip)
        if kind is not None:
            stmt = stmt.where(t.c.kind == kind)
        async with self._connect() as conn:
            return [Fingerprint(**row._mapping) for row in await conn.execute(stmt)]

    # -- probe results ---------------------------------------------------------------------

    async def add_probe_results(
        self, items: Sequence[ProbeResult], *, conn: AsyncConnection | None = None
    ) -> int:
        """Store realism-check results; returns how many."""
        if not items:
            return 0
        async with self._writing(conn) as c:
            await c.execute(insert(probe_result_table), [_row_values(p, probe_result_table) for p in items])
        return len(items)

    async def list_probe_results(self, *, decky: str | None = None, limit: int = 100) -> list[ProbeResult]:
        """The newest check results (optionally of one decky), newest first."""
        t = probe_result_table
        stmt = select(t).order_by(t.c.checked_at.desc(), t.c.id.desc()).limit(limit)
        if decky is not None:
            stmt = stmt.where(t.c.decky == decky)
        async with self._connect() as conn:
            return [ProbeResult(**row._mapping) for row in await conn.execute(stmt)]

    # -- mutations -------------------------------------------------------------------------

    async def add_mutations(self, items: Sequence[Mutation], *, conn: AsyncConnection | None = None) -> int:
        """Record service-set changes of deckies; returns how many."""
        if not items:
            return 0
        async with self._writing(conn) as c:
            await c.execute(insert(mutation_table), [_row_values(m, mutation_table) for m in items])
        return len(items)

    async def list_mutations(self, *, decky: str | None = None, limit: int = 100) -> list[Mutation]:
        """The newest mutations (optionally of one decky), newest first."""
        t = mutation_table
        stmt = select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
        if decky is not None:
            stmt = stmt.where(t.c.decky == decky)
        async with self._connect() as conn:
            return [Mutation(**row._mapping) for row in await conn.execute(stmt)]
