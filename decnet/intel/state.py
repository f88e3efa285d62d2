"""The correlator's working state for one batch: rows loaded from storage, changed in memory.

Each object mirrors one row; ``dirty`` marks what the batch changed and must write back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class SessionState:
    """A session row (table ``session``)."""

    skey: str
    sid: str | None
    decky: str
    service: str
    src_ip: str
    src_port: int | None
    started_at: datetime
    ended_at: datetime
    last_event_id: int
    event_count: int = 0
    auth_attempts: int = 0
    authenticated: bool = False
    username: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    dirty: bool = False

    def row(self) -> dict[str, Any]:
        """Column values of the row."""
        return {
            "skey": self.skey,
            "sid": self.sid,
            "decky": self.decky,
            "service": self.service,
            "src_ip": self.src_ip,
            "src_port": self.src_port,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "last_event_id": self.last_event_id,
            "event_count": self.event_count,
            "auth_attempts": self.auth_attempts,
            "authenticated": self.authenticated,
            "username": self.username,
            "summary": self.summary,
            "transcript": self.transcript,
        }


@dataclass(slots=True)
class AttackerState:
    """The correlator's columns of an attacker row (table ``attacker``)."""

    ip: str
    first_seen: datetime
    last_seen: datetime
    last_event_id: int
    event_count: int = 0
    session_count: int = 0
    auth_attempts: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False

    def row(self) -> dict[str, Any]:
        """Column values the correlator owns."""
        return {
            "ip": self.ip,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "last_event_id": self.last_event_id,
            "event_count": self.event_count,
            "session_count": self.session_count,
            "auth_attempts": self.auth_attempts,
            "summary": self.summary,
        }


@dataclass(slots=True)
class CredentialState:
    """A credential row (table ``credential``)."""

    digest: str
    principal: str
    secret_kind: str
    secret: str
    service: str
    decky: str
    secret_digest: str
    first_seen: datetime
    last_seen: datetime
    attempts: int = 0
    dirty: bool = False

    def row(self) -> dict[str, Any]:
        """Column values of the row."""
        return {
            "digest": self.digest,
            "principal": self.principal,
            "secret_kind": self.secret_kind,
            "secret": self.secret,
            "service": self.service,
            "decky": self.decky,
            "secret_digest": self.secret_digest,
            "attempts": self.attempts,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


@dataclass(slots=True)
class AttackerCredentialState:
    """Which attacker used which credential (table ``attacker_credential``)."""

    digest: str
    attacker_ip: str
    credential_digest: str
    first_seen: datetime
    last_seen: datetime
    attempts: int = 0
    successes: int = 0
    dirty: bool = False

    def row(self) -> dict[str, Any]:
        """Column values of the row."""
        return {
            "digest": self.digest,
            "attacker_ip": self.attacker_ip,
            "credential_digest": self.credential_digest,
            "attempts": self.attempts,
            "successes": self.successes,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


@dataclass(slots=True)
class Hop:
    """A new traversal hop (table ``traversal_hop``)."""

    attacker_ip: str
    seq: int
    decky: str
    service: str
    at: datetime
    event_id: int

    def row(self) -> dict[str, Any]:
        """Column values of the row."""
        return {
            "attacker_ip": self.attacker_ip,
            "seq": self.seq,
            "decky": self.decky,
            "service": self.service,
            "at": self.at,
            "event_id": self.event_id,
        }


@dataclass(slots=True)
class BatchState:
    """Everything one batch reads and writes, keyed like the rows."""

    sessions: dict[str, SessionState] = field(default_factory=dict)  # by skey
    open_gap: dict[tuple[str, str, str], SessionState] = field(default_factory=dict)  # (ip, decky, service)
    attackers: dict[str, AttackerState] = field(default_factory=dict)  # by ip
    credentials: dict[str, CredentialState] = field(default_factory=dict)  # by digest
    uses: dict[str, AttackerCredentialState] = field(default_factory=dict)  # by digest
    hops: list[Hop] = field(default_factory=list)
