"""RFC 5424 rendering of DECNET's own log records.

``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [decnet@32473 logger="..." level="..."] BOM MSG``
"""

from __future__ import annotations

import logging
import os
import re
import socket
from datetime import UTC, datetime

#: Structured-data element id (32473 is the documentation PEN).
SD_ID = "decnet@32473"

#: Facility of DECNET's own logs (16 = local0).
FACILITY = 16

#: MSGID of every self-log record.
MSGID = "log"

#: UTF-8 byte order mark that announces a UTF-8 MSG (RFC 5424 6.4).
BOM = "\ufeff"

_NON_PRINTABLE = re.compile(r"[^!-~]")
_APP_NAME_MAX = 48
_HOSTNAME_MAX = 255


def severity_of(levelno: int) -> int:
    """Map a logging level to a syslog severity: CRITICAL 2, ERROR 3, WARNING 4, INFO 6, DEBUG 7."""
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


def printable_ascii(text: str, limit: int) -> str:
    """Keep only printable US-ASCII (``!`` to ``~``) and at most ``limit`` characters; ``-`` if empty."""
    cleaned = _NON_PRINTABLE.sub("", text)[:limit]
    return cleaned or "-"


def local_hostname() -> str:
    """This host's name as an RFC 5424 HOSTNAME (printable ASCII, at most 255 characters)."""
    return printable_ascii(socket.gethostname(), _HOSTNAME_MAX)


def app_name(subsystem: str) -> str:
    """APP-NAME of a DECNET subsystem: ``collector`` -> ``decnet.collector`` (at most 48 characters)."""
    return printable_ascii(f"decnet.{subsystem}", _APP_NAME_MAX)


def escape_sd_value(value: str) -> str:
    """Escape an SD-PARAM value as RFC 5424 6.3.3 requires: ``\\`` ``"`` and ``]`` get a backslash."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def rfc3339(created: float) -> str:
    """RFC 3339 UTC timestamp with microseconds, e.g. ``2026-11-28T13:06:44.123456Z``."""
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Rfc5424Formatter(logging.Formatter):
    """Render a record as one RFC 5424 message (text; encode as UTF-8 to send)."""

    def __init__(self, subsystem: str, hostname: str | None = None) -> None:
        super().__init__()
        self.app_name = app_name(subsystem)
        self.hostname = printable_ascii(hostname, _HOSTNAME_MAX) if hostname is not None else local_hostname()

    def format(self, record: logging.LogRecord) -> str:
        """Return ``<PRI>1 TIMESTAMP HOST APP PROCID log [decnet@32473 ...] BOM MSG`` (with any traceback)."""
        msg = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            msg = f"{msg}\n{record.exc_text}" if msg else record.exc_text
        if record.stack_info:
            msg = f"{msg}\n{self.formatStack(record.stack_info)}"
        pri = FACILITY * 8 + severity_of(record.levelno)
        procid = str(record.process) if record.process is not None else str(os.getpid())
        sd = f'[{SD_ID} logger="{escape_sd_value(record.name)}" level="{escape_sd_value(record.levelname)}"]'
        return (
            f"<{pri}>1 {rfc3339(record.created)} {self.hostname} {self.app_name} {procid} {MSGID} "
            f"{sd} {BOM}{msg}"
        )
