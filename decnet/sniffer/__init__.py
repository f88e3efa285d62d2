"""Passive fingerprinting on a decky bridge: SYN (p0f-style), JA3/JA4, HASSH, HTTP order, scans.

No Ray here: :class:`~decnet.sniffer.service.Sniffer` is driven by ``actors.sniffer``.
"""

from decnet.sniffer.analyzer import Analyzer
from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.service import Sniffer

__all__ = ["Analyzer", "Sniffer", "SnifferConfig"]
