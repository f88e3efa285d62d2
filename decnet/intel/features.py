"""What the profiler knows about one attacker: its inputs, and the numbers derived from them.

:class:`ProfileInput` is read from storage (events bounded to the newest
:data:`PROFILE_EVENTS`, all of the attacker's credential uses, its fingerprints);
:func:`features_of` turns it into :class:`Features`, which the behaviour classes, the
ATT&CK rules and the score all read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from decnet.events.model import Event
from decnet.intel.extract import MAX_COMMAND, is_scan, scan_ports, shell_command_of

#: Newest events of one attacker the profiler reads.
PROFILE_EVENTS = 2000
#: Longest request text (method, path, query, body) matched against patterns.
MAX_REQUEST_TEXT = 4096
#: Most request lines and commands kept for rule matching.
MAX_ITEMS = 2000


@dataclass(frozen=True, slots=True)
class CredentialUse:
    """One credential an attacker tried: where, how often, how many successes."""

    principal: str
    secret_digest: str
    service: str
    decky: str
    attempts: int
    successes: int


@dataclass(slots=True)
class ProfileInput:
    """Everything the profiler reads for one attacker."""

    ip: str
    last_event_id: int
    event_count: int = 0
    session_count: int = 0
    auth_attempts: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)  # oldest first
    credentials: list[CredentialUse] = field(default_factory=list)
    fingerprints: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)


@dataclass(slots=True)
class Features:
    """Numbers and texts derived from a :class:`ProfileInput`."""

    counts: dict[str, float] = field(default_factory=dict)
    commands: list[tuple[float, str, str, bool]] = field(default_factory=list)  # (t, session, text, exec)
    requests: list[str] = field(default_factory=list)  # decoded "METHOD path?query body"
    user_agents: list[str] = field(default_factory=list)
    client_versions: list[str] = field(default_factory=list)
    download_tools: list[str] = field(default_factory=list)
    timestamps: list[float] = field(default_factory=list)  # every event, seconds since epoch
    session_starts: list[float] = field(default_factory=list)
    fingerprints: list[tuple[str, str]] = field(default_factory=list)
    target_deckies: dict[str, int] = field(default_factory=dict)
    _commands: list[str] | None = None
    _requests: list[str] | None = None

    def n(self, name: str) -> float:
        """A count (0 if never set)."""
        return self.counts.get(name, 0.0)

    def unique_commands(self) -> list[str]:
        """Distinct command texts, first-seen order (what pattern rules match against)."""
        if self._commands is None:
            self._commands = list(dict.fromkeys(c[2] for c in self.commands))
        return self._commands

    def unique_requests(self) -> list[str]:
        """Distinct request texts, first-seen order."""
        if self._requests is None:
            self._requests = list(dict.fromkeys(self.requests))
        return self._requests


def _add(items: list[str], value: str, limit: int = 32) -> None:
    if value and value not in items and len(items) < limit:
        items.append(value)


def request_text(e: Event) -> str:
    """The decoded request line and body of an HTTP ``request`` event (bounded)."""
    f = e.fields
    text = f"{f.get('method', '')} {f.get('path', '')}"
    if f.get("query"):
        text += "?" + f["query"]
    if f.get("body"):
        text += " " + f["body"]
    if f.get("raw"):
        text += " " + f["raw"]
    return unquote_plus(text[:MAX_REQUEST_TEXT])[:MAX_REQUEST_TEXT]


def features_of(data: ProfileInput) -> Features:
    """Derive the profiler's features (see the module docstring)."""
    feat = Features(fingerprints=list(data.fingerprints))
    counts = feat.counts
    targets: set[tuple[str, str]] = set()
    sessions_seen: dict[str, float] = {}
    paths: set[str] = set()
    requests = http_errors = downloads = scans = 0
    for e in data.events:
        t = e.timestamp.timestamp()
        feat.timestamps.append(t)
        if is_scan(e):
            scans += 1
            for port in scan_ports(e):
                targets.add((e.fields.get("dst_ip") or e.decky, str(port)))
            continue
        feat.target_deckies[e.decky] = feat.target_deckies.get(e.decky, 0) + 1
        targets.add((e.decky, e.service))
        session_key = e.sid or f"{e.decky}/{e.service}"
        if session_key not in sessions_seen:
            sessions_seen[session_key] = t
        version = e.fields.get("client_version")
        if version:
            _add(feat.client_versions, version[:255])
        command = shell_command_of(e)
        if command is not None and len(feat.commands) < MAX_ITEMS:
            feat.commands.append((t, session_key, command[:MAX_COMMAND], e.fields.get("exec") == "true"))
        if e.event_type == "request":
            requests += 1
            paths.add(e.fields.get("path", "") + "?" + e.fields.get("query", ""))
            if e.fields.get("status", "").startswith("4"):
                http_errors += 1
            _add(feat.user_agents, e.fields.get("user_agent", "")[:512])
            if len(feat.requests) < MAX_ITEMS:
                feat.requests.append(request_text(e))
        elif e.event_type == "download":
            downloads += 1
            _add(feat.download_tools, e.fields.get("tool", "")[:32])
    feat.session_starts = sorted(sessions_seen.values())
    summary = data.summary
    counts["events"] = data.event_count
    counts["sessions"] = data.session_count
    counts["targets"] = len(targets)
    counts["deckies"] = len(summary.get("deckies", [])) or len(feat.target_deckies)
    counts["services"] = len(summary.get("services", []))
    counts["scan_events"] = max(scans, int(summary.get("scans", 0)))
    counts["scan_ports"] = len(summary.get("scan_ports", []))
    counts["commands"] = max(len(feat.commands), int(summary.get("commands", 0)))
    counts["exec_commands"] = sum(1 for c in feat.commands if c[3])
    counts["downloads"] = downloads
    counts["http_requests"] = requests
    counts["http_paths"] = len(paths)
    counts["http_errors"] = http_errors
    _credential_counts(data, counts)
    return feat


def _credential_counts(data: ProfileInput, counts: dict[str, float]) -> None:
    """Login attempts, failures and the shape of the credential list (guessing, spraying, stuffing)."""
    secrets_by_principal: dict[str, set[str]] = defaultdict(set)
    principals_by_secret: dict[str, set[str]] = defaultdict(set)
    places_by_pair: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    failures = successes = 0
    login_deckies: set[str] = set()
    for use in data.credentials:
        secrets_by_principal[use.principal].add(use.secret_digest)
        principals_by_secret[use.secret_digest].add(use.principal)
        places_by_pair[(use.principal, use.secret_digest)].add((use.service, use.decky))
        successes += use.successes
        failures += use.attempts - use.successes
        if use.successes:
            login_deckies.add(use.decky)
    summary = data.summary
    logins = int(summary.get("logins", 0))
    counts["login_attempts"] = data.auth_attempts
    counts["login_failures"] = max(0, data.auth_attempts - logins)
    counts["logins"] = logins
    counts["login_deckies"] = len(summary.get("login_deckies", [])) or len(login_deckies)
    counts["credential_failures"] = failures
    counts["principals"] = len(secrets_by_principal)
    counts["secrets"] = len(principals_by_secret)
    counts["pairs"] = len(places_by_pair)
    counts["max_secrets_per_principal"] = max((len(v) for v in secrets_by_principal.values()), default=0)
    counts["max_principals_per_secret"] = max((len(v) for v in principals_by_secret.values()), default=0)
    counts["reused_pairs"] = sum(1 for places in places_by_pair.values() if len(places) >= 2)
