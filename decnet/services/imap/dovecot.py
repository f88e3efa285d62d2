"""How the distros' Dovecot packages name themselves in greetings (shared by imap and pop3).

Ubuntu's package patches the greeting to ``Dovecot (Ubuntu) ready.``; Debian, RHEL, Alpine and
the others keep upstream's ``Dovecot ready.``.
"""

from __future__ import annotations

_DOVECOT_TAGS = {"ubuntu20": "Ubuntu", "ubuntu22": "Ubuntu", "ubuntu24": "Ubuntu"}


def dovecot_tag(distro: str) -> str:
    """`` (Ubuntu)`` on Ubuntu, else ''."""
    tag = _DOVECOT_TAGS.get(distro)
    return f" ({tag})" if tag else ""
