"""The smtp_relay service: the smtp service as an open relay (any recipient accepted without AUTH)."""

from decnet.services.smtp_relay.service import SMTPRelayConfig, SMTPRelayService

SERVICE = SMTPRelayService

__all__ = ["SERVICE", "SMTPRelayConfig", "SMTPRelayService"]
