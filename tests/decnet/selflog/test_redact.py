"""RedactSecrets keeps secret values out of log output."""

from __future__ import annotations

import logging
import sys

from pydantic import SecretStr

from decnet.config import Settings
from decnet.selflog import RedactSecrets

JWT = "j" * 16 + "WT-signing-key-0123456789abcdef"


def make(
    msg: str, *args: object, exc: BaseException | None = None, stack: str | None = None
) -> logging.LogRecord:
    exc_info = None
    if exc is not None:
        try:
            raise exc
        except BaseException:
            exc_info = sys.exc_info()
    rec = logging.LogRecord("decnet.web", logging.ERROR, __file__, 1, msg, args or None, exc_info)
    rec.stack_info = stack
    return rec


def test_redacts_message_and_args() -> None:
    f = RedactSecrets(["hunter2", SecretStr("s3cr3t"), None, ""])
    rec = make("login %s with %r then s3cr3t", "hunter2", {"pw": "hunter2"})
    assert f.filter(rec) is True
    assert rec.getMessage() == "login ******** with {'pw': '********'} then ********"


def test_redacts_traceback_and_stack() -> None:
    f = RedactSecrets(["hunter2"])
    rec = make("failed", exc=RuntimeError("bad password hunter2"), stack="Stack: hunter2")
    f.filter(rec)
    assert rec.exc_text is not None
    assert "bad password ********" in rec.exc_text and "hunter2" not in rec.exc_text
    assert rec.stack_info == "Stack: ********"
    assert "hunter2" not in logging.Formatter().format(rec)


def test_from_settings_covers_jwt_admin_and_db_password() -> None:
    settings = Settings(
        jwt_secret=JWT,
        admin_password="adm1n!",
        db_url="mysql+asyncmy://decnet:p%40ss%2Fword@db:3306/decnet",
    )
    f = RedactSecrets.from_settings(settings)
    assert f.redact(f"{JWT} adm1n! p@ss/word") == "******** ******** ********"
    url = "mysql+asyncmy://decnet:p%40ss%2Fword@db:3306/decnet"
    assert f.redact(f"connecting to {url}") == "connecting to mysql+asyncmy://decnet:********@db:3306/decnet"


def test_longest_secret_wins() -> None:
    assert RedactSecrets(["abc", "abcdef"]).redact("xabcdefx") == "x********x"


def test_without_secrets_records_are_untouched() -> None:
    rec = make("value %d", 5)
    assert RedactSecrets([]).filter(rec) is True
    assert rec.args == (5,) and rec.msg == "value %d"
