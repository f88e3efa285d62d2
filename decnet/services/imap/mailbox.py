"""The bait mailbox imap and pop3 show a logged-in attacker: a few plausible messages from the persona.

The messages are derived from the persona (hostname, mail domain, boot date) so every decky
tells its own consistent story, and each hints at something an attacker would want (a VPN
password reset, a backup job's credentials, invoices). The same mailbox is behind imap and pop3.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

from decnet.fleet.persona import Persona

_NAMES = ("Sarah Miller", "James Carter", "Anna Schmidt", "David Chen", "Laura Rossi", "Michael Brown")


@dataclass(frozen=True, slots=True)
class Message:
    """One stored message."""

    uid: int
    raw: bytes  #: the RFC 5322 message, CRLF line ends
    date: datetime  #: internal date
    seen: bool
    uidvalidity: int  #: of the mailbox (when it was created)

    @property
    def size(self) -> int:
        """RFC822.SIZE / the POP3 octet count."""
        return len(self.raw)

    @property
    def header(self) -> bytes:
        """The header block including the blank line that ends it."""
        end = self.raw.find(b"\r\n\r\n")
        return self.raw if end < 0 else self.raw[: end + 4]

    @property
    def body(self) -> bytes:
        """The text after the header block."""
        end = self.raw.find(b"\r\n\r\n")
        return b"" if end < 0 else self.raw[end + 4 :]

    def header_value(self, name: str) -> str:
        """The value of header ``name`` ('' if absent)."""
        prefix = name.lower().encode() + b":"
        for line in self.header.split(b"\r\n"):
            if line.lower().startswith(prefix):
                return line[len(prefix) :].strip().decode("utf-8", "replace")
        return ""

    def uidl(self) -> str:
        """POP3 UIDL as Dovecot prints it (``pop3_uidl_format = %08Xu%08Xv``)."""
        return f"{self.uid:08X}{self.uidvalidity:08X}"


def _domain(persona: Persona, domain: str | None) -> str:
    if domain:
        return domain
    host = persona.hostname.lower()
    return host.split(".", 1)[1] if "." in host else "corp.local"


def bait_mailbox(persona: Persona, user: str, domain: str | None = None) -> list[Message]:
    """The messages ``user`` finds in INBOX (stable for one persona and user)."""
    rng = random.Random(hashlib.sha256(persona.seed + b"mailbox" + user.encode("utf-8", "replace")).digest())
    dom = _domain(persona, domain)
    host = persona.hostname.split(".", 1)[0].lower()
    local = user.split("@", 1)[0] or "user"
    to = f"{local}@{dom}"
    admin = rng.choice(_NAMES)
    finance = rng.choice([n for n in _NAMES if n != admin])
    start = persona.booted_at - timedelta(days=rng.randint(3, 20))
    vpn_pw = f"{rng.choice(('Spring', 'Summer', 'Autumn', 'Winter'))}{start.year}!{rng.randint(10, 99)}"
    backup_pw = "".join(
        rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(14)
    )
    texts = [
        (
            f"IT Helpdesk <helpdesk@{dom}>",
            "Your VPN password has been reset",
            f"Hello {local},\n\nas requested your VPN password was reset. "
            f"Your temporary password is:\n\n    {vpn_pw}\n\n"
            f"Please change it at first login on https://vpn.{dom}/.\n\nRegards,\n{admin}\nIT Helpdesk\n",
        ),
        (
            f"backup@{host}.{dom}",
            f"[{host}] nightly backup report",
            f"Backup job 'nightly-full' finished with warnings.\n\nTarget: sftp://backup@nas01.{dom}/srv/backup/{host}\n"
            f"Credentials: backup / {backup_pw}\nTransferred: {rng.randint(12, 90)}.{rng.randint(0, 9)} GB\n"
            "Warnings: 2 files skipped (permission denied)\n",
        ),
        (
            f"{finance} <{finance.split()[0].lower()}@{dom}>",
            f"Invoices Q{rng.randint(1, 4)} - please approve",
            f"Hi {local},\n\nattached are the open invoices for this quarter. The share is "
            f"\\\\fs01.{dom}\\finance\\invoices.\nCould you approve them by Friday?\n\n"
            f"Thanks,\n{finance.split()[0]}\n",
        ),
    ]
    validity = int((start - timedelta(days=rng.randint(30, 400))).timestamp())
    messages = []
    for index, (sender, subject, body) in enumerate(texts):
        when = start + timedelta(days=index * rng.randint(1, 3), seconds=rng.randint(28800, 64800))
        msgid = f"<{hashlib.md5(f'{sender}{when}'.encode()).hexdigest()[:16]}@{dom}>"  # noqa: S324 - an id, not security
        head = (
            f"Return-Path: <{sender.split('<')[-1].rstrip('>')}>\n"
            f"Delivered-To: {to}\n"
            f"Date: {format_datetime(when)}\n"
            f"From: {sender}\nTo: {to}\nSubject: {subject}\nMessage-ID: {msgid}\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 7bit\n\n"
        )
        raw = (head + body).replace("\n", "\r\n").encode()
        seen = index != len(texts) - 1
        messages.append(Message(uid=index + 1, raw=raw, date=when, seen=seen, uidvalidity=validity))
    return messages
