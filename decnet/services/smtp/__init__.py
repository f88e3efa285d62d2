"""The smtp service: Postfix (or Microsoft's SMTP service on Windows personas); AUTH and messages captured."""

from decnet.services.smtp.config import SMTPConfig
from decnet.services.smtp.service import SMTPService

SERVICE = SMTPService

__all__ = ["SERVICE", "SMTPConfig", "SMTPService"]
