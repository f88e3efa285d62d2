"""The sniffer's bounds: sizes, windows and per-second budgets (defaults suit one bridge)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SnifferConfig:
    """Every bound of the sniffer's memory and work."""

    #: Bytes of each frame the kernel hands over (the rest is cut by the BPF filter).
    snaplen: int = 2048
    #: Socket receive buffer (bytes) that absorbs bursts when the ring is off.
    rcvbuf: int = 8 * 1024 * 1024
    #: Blocks of 1 MB in the TPACKET_V3 receive ring (0: read with recv instead).
    ring_blocks: int = 16
    #: Tracked TCP flows (least recently used evicted first).
    max_flows: int = 65536
    #: Client bytes reassembled per flow (TLS ClientHello, SSH KEXINIT, HTTP head).
    stream_bytes: int = 8192
    #: Out-of-order segments held per flow.
    max_ooo: int = 8
    #: Sources tracked for scan detection (least recently used evicted first).
    max_sources: int = 16384
    #: Distinct ports / deckies remembered per source and window.
    max_targets: int = 4096
    #: Scan window (seconds) and the thresholds that make a source a scanner within one.
    scan_window_s: float = 10.0
    scan_ports: int = 8
    scan_deckies: int = 4
    #: Deep analyses (SYN fingerprints and application parsing of new flows) per second.
    max_analyses_per_s: int = 20000
    #: Over budget, one new SYN in this many is still fingerprinted (the rest are counted).
    sample_every: int = 16
    #: Distinct fingerprint rows and scan events held between two flushes.
    max_pending: int = 50000
    max_pending_events: int = 10000
    #: Seconds between flushes to the repository.
    flush_interval_s: float = 1.0
