"""DECNET's own logs as RFC 5424 (APP-NAME ``decnet.<subsystem>``) to a file, socket or syslog server."""

from decnet.selflog.format import Rfc5424Formatter, app_name, escape_sd_value, severity_of
from decnet.selflog.handler import NonBlockingQueueHandler, TargetHandler
from decnet.selflog.redact import RedactSecrets
from decnet.selflog.setup import configure_logging, stop_logging
from decnet.selflog.transports import open_transport

__all__ = [
    "NonBlockingQueueHandler",
    "RedactSecrets",
    "Rfc5424Formatter",
    "TargetHandler",
    "app_name",
    "configure_logging",
    "escape_sd_value",
    "open_transport",
    "severity_of",
    "stop_logging",
]
