"""Fingerprint observations aggregated by (source, kind, value) between two flushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from decnet.db.models import Fingerprint

#: Longest stored fingerprint value (attacker text is cut, never stored whole).
MAX_VALUE = 1024

#: The kinds of fingerprint the sniffer records.
KINDS = (
    "tcp_syn",
    "os",
    "scan_tool",
    "ja3",
    "ja4",
    "tls_sni",
    "tls_alpn",
    "ssh_banner",
    "hassh",
    "http_headers",
)


@dataclass(slots=True)
class Tally:
    """How often one fingerprint was seen between two flushes, and when."""

    count: int
    first: float
    last: float


class Findings:
    """A bounded map of pending fingerprint rows; overflow is counted, not stored."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.rows: dict[tuple[str, str, str], Tally] = {}
        self.overflow = 0

    def add(self, src: str, kind: str, value: str, now: float, count: int = 1) -> None:
        """Record ``count`` sightings of ``value`` from ``src``."""
        key = (src, kind, value[:MAX_VALUE])
        tally = self.rows.get(key)
        if tally is not None:
            tally.count += count
            tally.last = now
        elif len(self.rows) < self.limit:
            self.rows[key] = Tally(count, now, now)
        else:
            self.overflow += count

    def take(self) -> list[Fingerprint]:
        """The pending rows as repository records; the map is emptied."""
        rows, self.rows = self.rows, {}
        return [
            Fingerprint(
                src_ip=src,
                kind=kind,
                value=value,
                count=t.count,
                first_seen=datetime.fromtimestamp(t.first, UTC),
                last_seen=datetime.fromtimestamp(t.last, UTC),
            )
            for (src, kind, value), t in rows.items()
        ]
