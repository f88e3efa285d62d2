"""Scan detection: SYNs from one source to many ports or deckies within a short window.

Each source has a window (``scan_window_s``) that starts at its first SYN. A source that
reached ``scan_ports`` distinct ports or ``scan_deckies`` distinct destinations within its
window is a scanner; when the window ends a ``scan`` report is made with the final counts,
including the ports answered with SYN-ACK (open) or only ever with RST (closed). Memory is bounded: sources
are evicted least recently used first and each source remembers at most ``max_targets``.
SYNs from DECNET's own addresses (:attr:`ScanDetector.internal`: the prober, the hairpins, the
``DECNET_INTERNAL_SOURCES`` setting) are counted as ``internal_syns`` and never make a scan.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from decnet.fleet.internal import InternalSources
from decnet.sniffer.config import SnifferConfig


@dataclass(slots=True)
class SourceWindow:
    """What one source did in its current window."""

    start: float
    ports: set[int] = field(default_factory=set)
    deckies: set[str] = field(default_factory=set)
    closed: set[tuple[str, int]] = field(default_factory=set)
    opened: set[tuple[str, int]] = field(default_factory=set)
    syns: int = 0
    tools: Counter[str] = field(default_factory=Counter)
    targets: Counter[str] = field(default_factory=Counter)
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class ScanReport:
    """A finished window of a scanner."""

    src: str
    start: float
    end: float
    ports: int
    deckies: int
    closed: int
    opened: int
    syns: int
    signature: str
    top_target: str
    sample_ports: tuple[int, ...]


class ScanDetector:
    """Per-source windows of SYNs and the reports of those that were scans."""

    def __init__(self, config: SnifferConfig) -> None:
        self.config = config
        self.sources: OrderedDict[str, SourceWindow] = OrderedDict()
        self.flagged: dict[str, SourceWindow] = {}
        self.evicted = 0
        #: DECNET's own sources (replaced as the repository changes; see the module docstring).
        self.internal = InternalSources.of(())
        self.internal_syns = 0

    def syn(self, src: str, dst: str, dport: int, tool: str | None, now: float) -> None:
        """Count a client SYN from ``src`` to ``dst:dport`` (not if ``src`` is internal)."""
        if src in self.internal:
            self.internal_syns += 1
            return
        window = self.sources.get(src)
        if window is None or now - window.start >= self.config.scan_window_s:
            # A flagged old window stays in ``flagged`` until the next tick reports it.
            window = self._new(src, now)
        else:
            self.sources.move_to_end(src)
        self._count(src, window, dst, dport, tool)

    def _new(self, src: str, now: float) -> SourceWindow:
        self.sources.pop(src, None)
        if len(self.sources) >= self.config.max_sources:
            self.sources.popitem(last=False)
            self.evicted += 1
        window = SourceWindow(start=now)
        self.sources[src] = window
        return window

    def _count(self, src: str, window: SourceWindow, dst: str, dport: int, tool: str | None) -> None:
        limit = self.config.max_targets
        window.syns += 1
        if len(window.ports) < limit:
            window.ports.add(dport)
        if len(window.deckies) < limit:
            window.deckies.add(dst)
        if len(window.targets) < limit or dst in window.targets:
            window.targets[dst] += 1
        if tool:
            window.tools[tool] += 1
        if not window.flagged and (
            len(window.ports) >= self.config.scan_ports or len(window.deckies) >= self.config.scan_deckies
        ):
            window.flagged = True
            self.flagged[f"{src}@{window.start}"] = window

    def answer(self, server: str, sport: int, client: str, opened: bool) -> None:
        """Count a server's answer to a tracked source: SYN-ACK (open) or RST (closed)."""
        window = self.sources.get(client)
        if window is None:
            return
        bucket = window.opened if opened else window.closed
        if len(bucket) < self.config.max_targets:
            bucket.add((server, sport))

    def tick(self, now: float) -> list[ScanReport]:
        """Reports of the flagged windows that have ended by ``now``."""
        reports = []
        for key, window in list(self.flagged.items()):
            if now - window.start < self.config.scan_window_s:
                continue
            del self.flagged[key]
            src = key.partition("@")[0]
            if self.sources.get(src) is window:
                del self.sources[src]
            if src not in self.internal:  # a window that began before the source was known internal
                reports.append(self._report(src, window, now))
        return reports

    def _report(self, src: str, window: SourceWindow, now: float) -> ScanReport:
        signature = window.tools.most_common(1)[0][0] if window.tools else "unknown"
        top = window.targets.most_common(1)[0][0] if window.targets else ""
        return ScanReport(
            src=src,
            start=window.start,
            end=min(now, window.start + self.config.scan_window_s),
            ports=len(window.ports),
            deckies=len(window.deckies),
            closed=len(window.closed - window.opened),
            opened=len(window.opened),
            syns=window.syns,
            signature=signature,
            top_target=top,
            sample_ports=tuple(sorted(window.ports)[:32]),
        )
