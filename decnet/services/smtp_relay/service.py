"""An open relay: the smtp service with ``relay`` on, so spammers testing relays get their 250s."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from decnet.services.base import ServiceConfig
from decnet.services.smtp.config import SMTPConfig
from decnet.services.smtp.service import SMTPService


class SMTPRelayConfig(SMTPConfig):
    """The smtp options; ``relay`` defaults to on."""

    relay: bool = Field(True, description="Accept mail for any domain without AUTH (an open relay).")


class SMTPRelayService(SMTPService):
    """Accepts any RCPT without AUTH and pretends to relay; every message is logged with ``relayed``."""

    slug = "smtp_relay"
    config_model: ClassVar[type[ServiceConfig]] = SMTPRelayConfig
