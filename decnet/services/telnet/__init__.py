"""The telnet service: the persona's telnetd, a captured login dialogue, then the same fake shell as ssh."""

from decnet.services.telnet.service import TelnetConfig, TelnetService

SERVICE = TelnetService

__all__ = ["SERVICE", "TelnetConfig", "TelnetService"]
