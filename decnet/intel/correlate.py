"""Fold events, in id order, into sessions, attackers, credentials and traversal hops.

Pure logic over a :class:`~decnet.intel.state.BatchState` that :mod:`decnet.intel.store`
loaded; the same events folded into the same state always give the same rows, whatever
the batch boundaries, because the state carries everything an event depends on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from decnet.db.repository import StoredEvent
from decnet.events.model import Event
from decnet.intel.extract import (
    MAX_TEXT,
    SHELL_SERVICES,
    SeenCredential,
    clip,
    command_of,
    credential_of,
    digest,
    is_attacker_event,
    is_login_attempt,
    is_scan,
    scan_ports,
)
from decnet.intel.state import (
    AttackerCredentialState,
    AttackerState,
    BatchState,
    CredentialState,
    Hop,
    SessionState,
)

#: Inactivity after which a session without a service session id ends.
DEFAULT_GAP = timedelta(minutes=10)
#: Bounds of what one session or attacker keeps (counts stay exact beyond them).
MAX_TRANSCRIPT = 1000
MAX_LIST = 32
MAX_DECKIES = 1024
MAX_PORTS = 1024
MAX_HOPS = 1000


def sid_key(event: Event) -> str:
    """Session key of an event that carries a service session id."""
    return _sid_key(event.decky, event.service, event.src_ip, event.sid)


@functools.lru_cache(maxsize=65536)
def use_key(ip: str, credential_key: str) -> str:
    """Key of one attacker's use of one credential."""
    return digest(ip, credential_key)


@functools.lru_cache(maxsize=65536)
def _sid_key(decky: str, service: str, src_ip: str | None, sid: str | None) -> str:
    return digest("sid", decky, service, src_ip, sid)


def gap_tuple(event: Event) -> tuple[str, str, str]:
    """(source, decky, service) of a session without a service session id."""
    return (event.src_ip or "", event.decky, event.service)


@dataclass(slots=True)
class Needs:
    """The rows a batch must load before folding its events."""

    ips: set[str] = field(default_factory=set)
    sid_keys: set[str] = field(default_factory=set)
    gap_tuples: set[tuple[str, str, str]] = field(default_factory=set)
    credentials: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)


def needs_of(events: list[StoredEvent]) -> Needs:
    """What :func:`fold` will look up for ``events``."""
    needs = Needs()
    for stored in events:
        e = stored.event
        if not is_attacker_event(e):
            continue
        ip = e.src_ip or ""
        needs.ips.add(ip)
        if is_scan(e):
            continue
        if e.sid:
            needs.sid_keys.add(sid_key(e))
        else:
            needs.gap_tuples.add(gap_tuple(e))
        cred = credential_of(e)
        if cred is not None:
            key = cred.key(e.service, e.decky)
            needs.credentials.add(key)
            needs.uses.add(use_key(ip, key))
    return needs


def _add_unique(items: list[Any], value: Any, limit: int = MAX_LIST) -> bool:
    if value in items or len(items) >= limit:
        return False
    items.append(value)
    return True


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


class Folder:
    """Folds events into a batch state (see the module docstring)."""

    def __init__(self, state: BatchState, gap: timedelta = DEFAULT_GAP) -> None:
        self.state = state
        self.gap = gap
        self.folded = 0
        self.skipped = 0

    def fold(self, stored: StoredEvent) -> None:
        """Apply one event."""
        e = stored.event
        if not is_attacker_event(e):
            self.skipped += 1
            return
        self.folded += 1
        attacker = self._attacker(e, stored.id)
        if is_scan(e):
            self._scan(attacker, e)
            return
        session = self._session(e, stored.id, attacker)
        self._touch_decky(attacker, e.decky, e.service, e.timestamp, stored.id)
        summary = session.summary
        _count(summary.setdefault("event_types", {}), e.event_type)
        _count(attacker.summary.setdefault("event_types", {}), e.event_type)
        services = attacker.summary.setdefault("services", [])
        _add_unique(services, e.service, 64)
        version = e.fields.get("client_version")
        if version:
            summary["client_version"] = clip(version, MAX_TEXT)
        if e.event_type == "disconnect":
            summary["closed"] = True
        elif e.event_type == "request":
            _add_unique(summary.setdefault("user_agents", []), clip(e.fields.get("user_agent"), MAX_TEXT), 8)
        elif e.event_type == "download":
            _add_unique(summary.setdefault("downloads", []), clip(e.fields.get("url"), MAX_TEXT))
        command = command_of(e)
        if command is not None:
            summary["commands"] = summary.get("commands", 0) + 1
            if e.service in SHELL_SERVICES:  # shell command lines, not protocol verbs
                attacker.summary["commands"] = attacker.summary.get("commands", 0) + 1
            if len(session.transcript) < MAX_TRANSCRIPT:
                entry: dict[str, Any] = {"at": e.timestamp.isoformat(), "command": command}
                if e.fields.get("cwd"):
                    entry["cwd"] = clip(e.fields["cwd"], MAX_TEXT)
                session.transcript.append(entry)
        if is_login_attempt(e):
            session.auth_attempts += 1
            attacker.auth_attempts += 1
        cred = credential_of(e)
        if cred is not None:
            self._credential(attacker, session, e, stored.id, cred)

    # -- parts -------------------------------------------------------------------------

    def _attacker(self, e: Event, event_id: int) -> AttackerState:
        ip = e.src_ip or ""
        attacker = self.state.attackers.get(ip)
        if attacker is None:
            attacker = AttackerState(
                ip=ip, first_seen=e.timestamp, last_seen=e.timestamp, last_event_id=event_id
            )
            self.state.attackers[ip] = attacker
        attacker.first_seen = min(attacker.first_seen, e.timestamp)
        attacker.last_seen = max(attacker.last_seen, e.timestamp)
        attacker.last_event_id = max(attacker.last_event_id, event_id)
        attacker.event_count += 1
        attacker.dirty = True
        return attacker

    def _scan(self, attacker: AttackerState, e: Event) -> None:
        summary = attacker.summary
        summary["scans"] = summary.get("scans", 0) + 1
        ports = summary.setdefault("scan_ports", [])
        for port in scan_ports(e):
            _add_unique(ports, port, MAX_PORTS)

    def _touch_decky(
        self, attacker: AttackerState, decky: str, service: str, at: datetime, event_id: int
    ) -> None:
        summary = attacker.summary
        deckies = summary.setdefault("deckies", [])
        _add_unique(deckies, decky, MAX_DECKIES)
        summary["lateral_movement"] = len(deckies) >= 2
        if summary.get("last_decky") == decky:
            return
        summary["last_decky"] = decky
        seq = summary.get("hops", 0)
        summary["hops"] = seq + 1
        if seq < MAX_HOPS:
            self.state.hops.append(Hop(attacker.ip, seq, decky, service, at, event_id))

    def _session(self, e: Event, event_id: int, attacker: AttackerState) -> SessionState:
        state = self.state
        if e.sid:
            key = sid_key(e)
            session = state.sessions.get(key)
        else:
            session = state.open_gap.get(gap_tuple(e))
            if session is not None and e.timestamp - session.ended_at > self.gap:
                session = None
            key = digest("gap", e.decky, e.service, e.src_ip, e.eid)
        if session is None:
            session = SessionState(
                skey=key,
                sid=e.sid,
                decky=e.decky,
                service=e.service,
                src_ip=e.src_ip or "",
                src_port=e.src_port,
                started_at=e.timestamp,
                ended_at=e.timestamp,
                last_event_id=event_id,
            )
            state.sessions[key] = session
            if not e.sid:
                state.open_gap[gap_tuple(e)] = session
            attacker.session_count += 1
        session.started_at = min(session.started_at, e.timestamp)
        session.ended_at = max(session.ended_at, e.timestamp)
        session.last_event_id = max(session.last_event_id, event_id)
        session.event_count += 1
        session.dirty = True
        return session

    def _credential(
        self, attacker: AttackerState, session: SessionState, e: Event, event_id: int, cred: SeenCredential
    ) -> None:
        state = self.state
        key = cred.key(e.service, e.decky)
        row = state.credentials.get(key)
        if row is None:
            row = state.credentials[key] = CredentialState(
                digest=key,
                principal=cred.principal,
                secret_kind=cred.kind,
                secret=cred.secret,
                service=e.service,
                decky=e.decky,
                secret_digest=cred.secret_key(),
                first_seen=e.timestamp,
                last_seen=e.timestamp,
            )
        row.attempts += 1
        row.first_seen = min(row.first_seen, e.timestamp)
        row.last_seen = max(row.last_seen, e.timestamp)
        row.dirty = True
        ukey = use_key(attacker.ip, key)
        use = state.uses.get(ukey)
        if use is None:
            use = state.uses[ukey] = AttackerCredentialState(
                digest=ukey,
                attacker_ip=attacker.ip,
                credential_digest=key,
                first_seen=e.timestamp,
                last_seen=e.timestamp,
            )
            attacker.summary["credentials"] = attacker.summary.get("credentials", 0) + 1
        use.attempts += 1
        use.first_seen = min(use.first_seen, e.timestamp)
        use.last_seen = max(use.last_seen, e.timestamp)
        use.dirty = True
        if cred.success:
            use.successes += 1
            if cred.login:
                session.authenticated = True
                session.username = cred.principal
                attacker.summary["logins"] = attacker.summary.get("logins", 0) + 1
                _add_unique(attacker.summary.setdefault("login_deckies", []), e.decky, MAX_DECKIES)
        if cred.login:
            _add_unique(session.summary.setdefault("usernames", []), cred.principal)
