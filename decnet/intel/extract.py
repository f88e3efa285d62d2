"""What the correlator reads from one event: credentials, commands, downloads, requests.

Every value comes from an attacker and is bounded here before it is stored.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from decnet.events.model import Event

#: Longest command, URL, user agent and principal/secret kept.
MAX_COMMAND = 4096
MAX_TEXT = 512
MAX_PRINCIPAL = 512
MAX_SECRET = 2048

#: ``auth`` methods typed inside a shell (sudo, su, ...): credentials, not login attempts.
SHELL_AUTH_METHODS = frozenset({"sudo", "su", "passwd", "enable"})

#: Apps whose events are DECNET's own (no attacker behind them).
OWN_APP_PREFIX = "decnet"

#: The sniffer's app name and its scan event type.
SNIFFER_APP = "sniffer"
SCAN_EVENT = "scan"


def digest(*parts: str | None) -> str:
    """sha256 hex of an unambiguous encoding of ``parts`` (each length-prefixed; None as ``-``)."""
    text = "|".join("-" if p is None else f"{len(p)}:{p}" for p in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=65536)
def _cached_digest(*parts: str | None) -> str:
    return digest(*parts)


def clip(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters ("" for None)."""
    return (text or "")[:limit]


@dataclass(frozen=True, slots=True)
class SeenCredential:
    """One credential attempt read from an ``auth`` event (the shared credential shape)."""

    principal: str
    kind: str
    secret: str
    success: bool
    login: bool  # False for secrets typed inside a shell (sudo, su, ...)

    def key(self, service: str, decky: str) -> str:
        """The credential's row key (principal, kind, secret, service, decky)."""
        return _cached_digest(self.principal, self.kind, self.secret, service, decky)

    def secret_key(self) -> str:
        """Key of the secret alone (kind and secret), shared across deckies and services."""
        return _cached_digest(self.kind, self.secret)


def is_attacker_event(event: Event) -> bool:
    """True for events with a source address that are not DECNET's own logs."""
    return bool(event.src_ip) and not event.service.startswith(OWN_APP_PREFIX)


def is_scan(event: Event) -> bool:
    """True for the sniffer's ``scan`` events."""
    return event.service == SNIFFER_APP and event.event_type == SCAN_EVENT


def credential_of(event: Event) -> SeenCredential | None:
    """The credential of an ``auth`` event, None if it carries no secret.

    Reads the shared shape (``username``, ``secret_kind``, ``secret``), falling back to
    ``password``, ``token`` and ``key_fingerprint`` for services that predate it.
    """
    if event.event_type != "auth":
        return None
    f = event.fields
    secret = f.get("secret")
    kind = f.get("secret_kind")
    if secret is None:
        for field, field_kind in (
            ("password", "plaintext"),
            ("token", "token"),
            ("key_fingerprint", "publickey"),
        ):
            if field in f:
                secret, kind = f[field], kind or field_kind
                break
    if secret is None:
        return None
    return SeenCredential(
        principal=clip(f.get("username"), MAX_PRINCIPAL),
        kind=clip(kind or "plaintext", 32),
        secret=clip(secret, MAX_SECRET),
        success=f.get("result") == "success",
        login=f.get("method") not in SHELL_AUTH_METHODS,
    )


def is_login_attempt(event: Event) -> bool:
    """True for an ``auth`` event that is an attempt to log in (not a password typed in a shell)."""
    return event.event_type == "auth" and event.fields.get("method") not in SHELL_AUTH_METHODS


def command_of(event: Event) -> str | None:
    """The command line of a ``command`` event."""
    if event.event_type != "command":
        return None
    command = event.fields.get("command")
    return None if command is None else clip(command, MAX_COMMAND)


#: Services whose ``command`` events are shell command lines (others log protocol verbs:
#: FTP ``RETR``, Redis ``AUTH``, IMAP ``SELECT``...).
SHELL_SERVICES = frozenset({"ssh", "telnet"})


def shell_command_of(event: Event) -> str | None:
    """The command line of a shell ``command`` event (ssh, telnet); ``None`` for protocol verbs."""
    return command_of(event) if event.service in SHELL_SERVICES else None


def scan_ports(event: Event) -> list[int]:
    """Destination ports a sniffer ``scan`` event names (``ports`` comma list, or ``dst_port``)."""
    text = event.fields.get("ports") or event.fields.get("dst_port") or ""
    ports: list[int] = []
    for part in text.split(",")[:1024]:
        part = part.strip()
        if part.isdigit() and 0 < int(part) < 65536:
            ports.append(int(part))
    return ports
