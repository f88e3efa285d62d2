"""RFC 5424 rendering of log records."""

from __future__ import annotations

import logging
import os
import socket
import sys
from datetime import UTC, datetime

import pytest

from decnet.selflog.format import Rfc5424Formatter, app_name, escape_sd_value, severity_of
from tests.decnet.selflog.parse import parse


def record(
    msg: str = "hello",
    *args: object,
    name: str = "decnet.collector",
    level: int = logging.INFO,
    exc: bool = False,
) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError("kaboom")
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, level, __file__, 1, msg, args or None, exc_info)


def render(rec: logging.LogRecord, subsystem: str = "collector", hostname: str | None = None) -> bytes:
    return Rfc5424Formatter(subsystem, hostname).format(rec).encode("utf-8")


def test_header_fields() -> None:
    rec = record("started %d workers", 3)
    p = parse(render(rec))
    assert p.pri == 16 * 8 + 6
    assert p.app_name == "decnet.collector"
    assert p.procid == os.getpid()
    assert p.msgid == "log"
    assert p.logger == "decnet.collector" and p.level == "INFO"
    assert p.msg == "started 3 workers"
    assert p.hostname == Rfc5424Formatter("x").hostname
    assert p.timestamp.tzinfo is not None
    assert abs(p.timestamp.timestamp() - rec.created) < 1e-5


def test_timestamp_is_rfc3339_utc_with_microseconds() -> None:
    rec = record()
    rec.created = datetime(2026, 11, 28, 13, 6, 44, 123456, tzinfo=UTC).timestamp()
    assert b" 2026-11-28T13:06:44.123456Z " in render(rec)


def test_msg_is_utf8_with_bom() -> None:
    raw = render(record("caf\u00e9 \u2603"))
    assert "] \ufeffcaf\u00e9 \u2603".encode() in raw
    assert b"] \xef\xbb\xbf" in raw


@pytest.mark.parametrize(
    ("level", "severity"),
    [(logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6), (logging.DEBUG, 7)],
)
def test_pri_from_level(level: int, severity: int) -> None:
    assert severity_of(level) == severity
    assert parse(render(record(level=level))).pri == 128 + severity


def test_sd_values_escape_quote_backslash_bracket() -> None:
    assert escape_sd_value('a"b\\c]d') == 'a\\"b\\\\c\\]d'
    name = 'decnet.we"ird\\na]me'
    raw = render(record(name=name))
    assert b'logger="decnet.we\\"ird\\\\na\\]me"' in raw
    assert parse(raw).logger == name


def test_exception_text_included() -> None:
    p = parse(render(record("failed", level=logging.ERROR, exc=True)))
    assert p.msg.startswith("failed\nTraceback (most recent call last):")
    assert "RuntimeError: kaboom" in p.msg


def test_hostname_and_app_name_are_printable_ascii() -> None:
    assert Rfc5424Formatter("web", hostname="bad host\x00\u00e9x").hostname == "badhostx"
    assert Rfc5424Formatter("web", hostname="\u00e9").hostname == "-"
    assert Rfc5424Formatter("web").hostname == Rfc5424Formatter("web", socket.gethostname()).hostname
    assert app_name("sniffer") == "decnet.sniffer"
    assert len(app_name("x" * 100)) == 48
