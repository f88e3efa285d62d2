"""How the distros' Dovecot packages name themselves in greetings (shared by imap and pop3)."""

from __future__ import annotations

_DOVECOT_TAGS = {"debian": "Debian", "ubuntu20": "Ubuntu", "ubuntu22": "Ubuntu", "ubuntu24": "Ubuntu"}


def dovecot_tag(distro: str) -> str:
    """`` (Ubuntu)`` / `` (Debian)`` as those distros' Dovecot greets, else ''."""
    tag = _DOVECOT_TAGS.get(distro)
    return f" ({tag})" if tag else ""
