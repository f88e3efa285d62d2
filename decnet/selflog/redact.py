"""A logging filter that keeps known secret values out of log output."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

from pydantic import SecretStr

from decnet.config.masking import MASK, url_password
from decnet.config.settings import Settings


class RedactSecrets(logging.Filter):
    """Replace every known secret value in a record's message, traceback and stack with ``********``.

    Attach it to a handler (it then sees records from every ``decnet.*`` logger). It renders
    the message once, so the redacted text is what every later handler sees.
    """

    def __init__(self, secrets: Iterable[str | SecretStr | None]) -> None:
        super().__init__()
        values: set[str] = set()
        for secret in secrets:
            text = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
            if text:
                values.add(text)
                values.add(quote(text, safe=""))  # as it appears inside a URL
        self._pattern = (
            re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
            if values
            else None
        )
        self._formatter = logging.Formatter()

    @classmethod
    def from_settings(cls, settings: Settings) -> RedactSecrets:
        """Redact ``jwt_secret``, ``admin_password`` and the password of ``db_url``."""
        db_password = url_password(settings.db_url) if settings.db_url else None
        return cls([settings.jwt_secret, settings.admin_password, db_password])

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``********``."""
        return self._pattern.sub(MASK, text) if self._pattern is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        if self._pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True
