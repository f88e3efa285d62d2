"""The imap service: Dovecot (or Exchange on Windows personas) with a bait mailbox; logins captured."""

from decnet.services.imap.service import IMAPConfig, IMAPService

SERVICE = IMAPService

__all__ = ["SERVICE", "IMAPConfig", "IMAPService"]
