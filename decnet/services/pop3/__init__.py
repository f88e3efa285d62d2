"""The pop3 service: Dovecot (or Exchange on Windows personas) with a bait mailbox; logins captured."""

from decnet.services.pop3.service import POP3Config, POP3Service

SERVICE = POP3Service

__all__ = ["SERVICE", "POP3Config", "POP3Service"]
