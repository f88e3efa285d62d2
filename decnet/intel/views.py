"""What the intel API returns (pydantic models; they are the OpenAPI schemas).

Every text field that comes from an attacker (principals, secrets, commands, user agents,
URLs, evidence) is returned as is: escape it before display.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TechniqueOut(BaseModel):
    """A MITRE ATT&CK technique attributed to an attacker."""

    id: str = Field(description="ATT&CK id, e.g. T1110.001.")
    name: str
    tactic: str
    evidence: str = Field(description="What fired the rule (attacker-influenced text).")
    url: str = Field(description="The technique's page on attack.mitre.org.")


class AttackerOut(BaseModel):
    """One attacking source address, its totals and the profiler's verdict."""

    id: int
    ip: str
    first_seen: datetime
    last_seen: datetime
    event_count: int
    session_count: int
    auth_attempts: int
    score: float = Field(description="Threat score 0-100 (0 until profiled).")
    behaviour: str | None = Field(description="Primary behaviour class (null until profiled).")
    phase: str | None = Field(description="Furthest kill-chain phase reached.")
    techniques: list[str] = Field(description="ATT&CK ids.")
    tools: list[str]
    deckies: list[str] = Field(description="Deckies touched, in first-touched order.")
    lateral_movement: bool = Field(description="Seen on two deckies or more.")


class AttackerPage(BaseModel):
    """One page of attackers; pass ``next_cursor`` as ``cursor`` for the next (null: no more)."""

    items: list[AttackerOut]
    next_cursor: str | None


class SessionOut(BaseModel):
    """One session of one attacker on one decky service."""

    id: int
    sid: str | None = Field(description="The service's session id, when it has one.")
    src_ip: str
    src_port: int | None
    decky: str
    service: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    event_count: int
    auth_attempts: int
    authenticated: bool
    username: str | None
    command_count: int
    summary: dict[str, Any] = Field(description="Event types, client version, user agents, downloads, ...")


class TranscriptLine(BaseModel):
    """One command, as typed (attacker text)."""

    at: datetime
    command: str
    cwd: str | None = None


class SessionDetail(SessionOut):
    """A session with its command transcript, in order."""

    transcript: list[TranscriptLine]
    attacker_id: int | None


class Reuse(BaseModel):
    """Where the same secret (kind and value) was also tried."""

    deckies: int
    services: int
    attackers: int
    reused: bool = Field(description="Tried on two deckies or services or more.")


class CredentialOut(BaseModel):
    """A captured credential (attacker-supplied principal and secret) on one decky service."""

    id: int
    principal: str
    secret_kind: str
    secret: str
    service: str
    decky: str
    attempts: int
    first_seen: datetime
    last_seen: datetime
    reuse: Reuse


class CredentialPage(BaseModel):
    """One page of credentials in id order; pass ``next_after`` as ``after`` for the next."""

    items: list[CredentialOut]
    next_after: int | None


class AttackerCredentialOut(BaseModel):
    """A credential one attacker tried, with its attempts and successes by that attacker."""

    principal: str
    secret_kind: str
    secret: str
    service: str
    decky: str
    attempts: int
    successes: int
    first_seen: datetime
    last_seen: datetime


class HopOut(BaseModel):
    """One hop of the attacker's path across deckies."""

    seq: int
    decky: str
    service: str
    at: datetime


class TimelineItem(BaseModel):
    """One event of the attacker, newest first."""

    id: int
    timestamp: datetime
    decky: str
    service: str
    event_type: str
    sid: str | None
    fields: dict[str, str]


class ProfileChangeOut(BaseModel):
    """One change of the attacker's profile."""

    at: datetime
    behaviour: str
    score: float
    phase: str
    techniques: list[str]
    changes: list[str]


class AttackerDetail(AttackerOut):
    """An attacker with its profile, timeline, sessions, credentials, techniques, traversal, history."""

    profile: dict[str, Any] | None = Field(
        description="classes, timing, tools, techniques, phase, score, reasons, features"
    )
    reasons: list[dict[str, Any]] = Field(description="Why the score: [{points, reason}], largest first.")
    technique_details: list[TechniqueOut]
    timeline: list[TimelineItem]
    sessions: list[SessionOut]
    credentials: list[AttackerCredentialOut]
    traversal: list[HopOut]
    history: list[ProfileChangeOut]


class CountOut(BaseModel):
    """A name and how many."""

    name: str
    count: int


class StatsOut(BaseModel):
    """Totals for the overview."""

    events: int
    attackers: int
    sessions: int
    credentials: int
    secrets_reused: int = Field(description="Secrets tried on two deckies or services or more.")
    profiled: int
    lateral_movers: int
    by_behaviour: list[CountOut]
    top_techniques: list[CountOut] = Field(description="Attackers per technique, most first.")
    top_deckies: list[CountOut] = Field(description="Attackers per decky, most first.")
    top_attackers: list[AttackerOut] = Field(description="Highest scores first.")
    correlator_lag: int = Field(description="Stored events the correlator has not read yet.")
    profiler_pending: int = Field(description="Attackers changed since the profiler last ran.")
