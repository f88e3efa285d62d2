"""Patterns of abuse in DNS queries: tunnelling (data in names, TXT floods) and amplification."""

from __future__ import annotations

import math
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from decnet.services.dns.message import ANY, DNSKEY, NULL, RRSIG, TXT, Message, Name, lower

#: Query types whose answers carry the most data back (tunnels favour them).
TUNNEL_TYPES = {TXT, NULL, 10, 5, 15}  # TXT, NULL, CNAME, MX
AMPLIFY_TYPES = {ANY, DNSKEY, RRSIG}
MAX_TRACKED = 2048
MAX_NAMES_PER_SOURCE = 256


def entropy(data: bytes) -> float:
    """Shannon entropy of ``data`` in bits per octet."""
    if not data:
        return 0.0
    counts = Counter(data)
    size = len(data)
    return -sum(c / size * math.log2(c / size) for c in counts.values())


def tunnel_reasons(name: Name, long_label: int, long_name: int) -> list[str]:
    """Why a single query name looks like tunnelled data (empty if it does not)."""
    reasons: list[str] = []
    longest = max((len(label) for label in name), default=0)
    wire = sum(len(label) + 1 for label in name) + 1
    if longest >= long_label:
        reasons.append("long_label")
    if wire >= long_name:
        reasons.append("long_name")
    data = b"".join(name[:-2]) if len(name) > 2 else b""
    if len(data) >= 24 and entropy(data.lower()) >= 4.0:
        reasons.append("high_entropy")
    return reasons


def amplification_reasons(msg: Message, large_edns: int) -> list[str]:
    """Why a UDP query looks like an amplification (reflection) attempt."""
    reasons: list[str] = []
    if any(q.qtype in AMPLIFY_TYPES for q in msg.questions):
        reasons.append("any" if any(q.qtype == ANY for q in msg.questions) else "dnssec")
    if msg.edns is not None and msg.edns.udp_size >= large_edns:
        reasons.append("large_edns")
    return reasons


@dataclass(slots=True)
class _Window:
    start: float
    names: set[Name] = field(default_factory=set)
    reported: bool = False


class FloodTracker:
    """Per source, distinct names asked with tunnel-friendly types in a sliding minute."""

    def __init__(self, threshold: int, window: float = 60.0) -> None:
        self.threshold = threshold
        self.window = window
        self._sources: OrderedDict[str, _Window] = OrderedDict()

    def note(self, source: str, name: Name, qtype: int, now: float | None = None) -> int | None:
        """Record a query; return the distinct-name count when it first crosses the threshold."""
        if qtype not in TUNNEL_TYPES:
            return None
        now = time.monotonic() if now is None else now
        win = self._sources.get(source)
        if win is None or now - win.start > self.window:
            win = _Window(now)
            self._sources[source] = win
            if len(self._sources) > MAX_TRACKED:
                self._sources.popitem(last=False)
        self._sources.move_to_end(source)
        if len(win.names) < MAX_NAMES_PER_SOURCE:
            win.names.add(lower(name))
        if not win.reported and len(win.names) >= self.threshold:
            win.reported = True
            return len(win.names)
        return None
