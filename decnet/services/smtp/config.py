"""Options of the smtp and smtp_relay services (``[decky.smtp]``, ``[decky.smtp_relay]``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from decnet.services.smtp.accounts import parse_users
from decnet.services.smtp.linesvc import LineConfig

#: Accounts a login service accepts: ``"alice:secret, bob:*"`` (``*`` = any password).
Users = Annotated[dict[str, str], BeforeValidator(parse_users)]

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_DOMAIN = rf"^{_LABEL}(?:\.{_LABEL}){{0,8}}$"
#: A banner: printable ASCII, no CR/LF (it goes on the wire after the status code).
BANNER = r"^[ -~]{1,200}$"


class SMTPConfig(LineConfig):
    """What an operator may set for a decky's mail server; unknown keys are rejected."""

    domain: str | None = Field(
        None, pattern=_DOMAIN, description="Mail domain (default: the hostname's domain, else localdomain)."
    )
    banner: str | None = Field(
        None, pattern=BANNER, description="Greeting text after '220 ' (default: the product's)."
    )
    max_message_bytes: int = Field(
        10_240_000, ge=1024, le=100 * 1024 * 1024, description="SIZE advertised; larger messages are refused."
    )
    capture_bytes: int = Field(
        1024 * 1024,
        ge=0,
        le=16 * 1024 * 1024,
        description="Bytes of each message kept (the sha256 covers all).",
    )
    log_message_bytes: int = Field(
        8192, ge=0, le=65536, description="Characters of the message in its event."
    )
    store_messages: bool = Field(True, description="Write captured messages under the state directory.")
    max_stored_messages: int = Field(1000, ge=0, le=1_000_000, description="Messages kept on disk at most.")
    max_recipients: int = Field(100, ge=1, le=10_000, description="RCPT TO per message.")
    max_errors: int = Field(
        20, ge=1, le=1000, description="Errors before '421 too many errors' (smtpd_hard_error_limit)."
    )
    auth: bool = Field(True, description="Offer AUTH PLAIN LOGIN (credentials are captured).")
    starttls: bool = Field(True, description="Offer STARTTLS with the decky's certificate.")
    users: Users = Field(
        default_factory=dict, description="Accounts whose AUTH succeeds: 'user:password, ...' ('*' = any)."
    )
    relay: bool = Field(False, description="Accept mail for any domain without AUTH (an open relay).")
