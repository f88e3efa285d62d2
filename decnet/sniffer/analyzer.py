"""The sniffer's per-packet engine: frames in; fingerprints and scan events out.

Work per frame is bounded: header parsing always; a SYN fingerprint within a per-second
budget of deep analyses (over budget, a SYN like one fingerprinted recently from the same
source is counted as that fingerprint, one in ``sample_every`` of the others is still
analysed, the rest are counted as ``sampled_out``); new flows are always tracked so their
first client bytes (TLS ClientHello, SSH KEXINIT, HTTP head) are analysed; later packets of
a flow cost a lookup. Everything pending is bounded and overflow is counted.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime

from decnet.db.models import Fingerprint
from decnet.events.model import Event, new_eid
from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.findings import Findings
from decnet.sniffer.flows import FlowTable
from decnet.sniffer.packet import ACK, FIN, PROTO_TCP, RST, SYN, Packet, parse_frame, reverse_key
from decnet.sniffer.scan import ScanDetector, ScanReport
from decnet.sniffer.tcpfp import SynFingerprint, syn_fingerprint

#: APP-NAME and MSGID of the events the sniffer emits.
SERVICE = "sniffer"
SCAN_EVENT = "scan"
#: SYN fingerprints remembered for aggregation over budget.
SYN_CACHE = 4096

COUNTERS = (
    "packets",
    "untracked",
    "malformed",
    "flows",
    "syn_fingerprints",
    "fingerprints",
    "scans",
    "internal_syns",
    "aggregated",
    "sampled_out",
    "kernel_drops",
    "evicted",
    "pending_overflow",
    "dropped",
)

SynKey = tuple[str, int, int, int, int]
_CONTROL = SYN | RST | FIN


class Analyzer:
    """Feed frames with :meth:`feed`; take results with :meth:`drain`."""

    def __init__(self, config: SnifferConfig | None = None) -> None:
        self.config = config or SnifferConfig()
        c = self.config
        self.flows = FlowTable(c.max_flows, c.stream_bytes, c.max_ooo)
        self.scans = ScanDetector(c)
        self.findings = Findings(c.max_pending)
        self.events: list[Event] = []
        self.counts: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.decky_names: dict[str, str] = {}
        self._syn_cache: OrderedDict[SynKey, SynFingerprint] = OrderedDict()
        self._second = 0
        self._used = 0
        self._skipped = 0

    # -- per packet ----------------------------------------------------------------------

    def feed(self, frame: bytes, now: float) -> None:
        """Analyse one captured Ethernet frame seen at ``now`` (epoch seconds)."""
        counts = self.counts
        counts["packets"] += 1
        if self._untracked_segment(frame):
            counts["untracked"] += 1
            return
        pkt = parse_frame(frame)
        if pkt is None or pkt.proto != PROTO_TCP or not pkt.key:  # no TCP header parsed
            counts["malformed"] += 1
            return
        flags = pkt.flags
        if flags & SYN:
            if flags & ACK:
                self.scans.answer(pkt.src, pkt.sport, pkt.dst, opened=True)
            else:
                self._syn(pkt, now)
            return
        if flags & RST:
            self.scans.answer(pkt.src, pkt.sport, pkt.dst, opened=False)
            self.flows.close(reverse_key(pkt.key))
            self.flows.close(pkt.key)
            return
        key = pkt.key
        if pkt.payload:
            found = self.flows.data(key, pkt.seq, pkt.payload)
            if found:
                for kind, value in found:
                    self._add(pkt.src, kind, value, now)
        if flags & FIN:
            self.flows.close(key)

    def _untracked_segment(self, frame: bytes) -> bool:
        """True for an untagged IPv4 TCP segment without SYN/RST/FIN of a flow not under reassembly.

        The bulk of traffic; skipping it before the full parse keeps new flows analysed under load.
        """
        if len(frame) < 54 or frame[12] != 8 or frame[13] != 0 or frame[23] != PROTO_TCP:
            return False
        ihl = (frame[14] & 0x0F) * 4
        t = 14 + ihl
        if ihl < 20 or len(frame) < t + 14 or frame[20] & 0x3F or frame[21] or frame[t + 13] & _CONTROL:
            return False
        return frame[26:30] + frame[t : t + 2] + frame[30:34] + frame[t + 2 : t + 4] not in self.flows.flows

    def _budget(self, now: float) -> bool:
        second = int(now)
        if second != self._second:
            self._second, self._used = second, 0
        if self._used < self.config.max_analyses_per_s:
            self._used += 1
            return True
        return False

    def _syn(self, pkt: Packet, now: float) -> None:
        counts = self.counts
        if self.flows.open(pkt.key, pkt.seq):
            counts["flows"] += 1
        key = (pkt.src, pkt.ttl, pkt.window, len(pkt.tcp_options), pkt.flags)
        fp: SynFingerprint | None
        if self._budget(now):
            fp = syn_fingerprint(pkt)
            self._remember(key, fp)
        else:
            fp = self._syn_cache.get(key)
            if fp is not None:
                counts["aggregated"] += 1
            else:
                self._skipped += 1
                if self._skipped % self.config.sample_every == 0:
                    fp = syn_fingerprint(pkt)
                    self._remember(key, fp)
                else:
                    counts["sampled_out"] += 1
                    counts["dropped"] += 1
        self.scans.syn(pkt.src, pkt.dst, pkt.dport, fp.tool if fp else None, now)
        if fp is None:
            return
        counts["syn_fingerprints"] += 1
        self._add(pkt.src, "tcp_syn", fp.signature, now)
        if fp.os:
            self._add(pkt.src, "os", fp.os, now)
        if fp.tool:
            self._add(pkt.src, "scan_tool", f"{fp.tool}:{fp.probe}", now)

    def _remember(self, key: SynKey, fp: SynFingerprint) -> None:
        cache = self._syn_cache
        cache[key] = fp
        if len(cache) > SYN_CACHE:
            cache.popitem(last=False)

    def _add(self, src: str, kind: str, value: str, now: float) -> None:
        self.counts["fingerprints"] += 1
        self.findings.add(src, kind, value, now)

    # -- periodic ------------------------------------------------------------------------

    def note_kernel_drops(self, drops: int) -> None:
        """Count frames the kernel dropped before the sniffer read them."""
        if drops > 0:
            self.counts["kernel_drops"] += drops
            self.counts["dropped"] += drops

    def tick(self, now: float) -> None:
        """Turn the scan windows that ended into pending ``scan`` events."""
        for report in self.scans.tick(now):
            if len(self.events) >= self.config.max_pending_events:
                self.counts["pending_overflow"] += 1
                continue
            self.events.append(self.scan_event(report))
            self.counts["scans"] += 1

    def scan_event(self, report: ScanReport) -> Event:
        """The ``scan`` event of a report (HOSTNAME: the most probed decky, by name if known)."""
        target = self.decky_names.get(report.top_target, report.top_target) or SERVICE
        fields = {
            "ports": str(report.ports),
            "deckies": str(report.deckies),
            "closed": str(report.closed),
            "open": str(report.opened),
            "syns": str(report.syns),
            "signature": report.signature,
            "window_s": f"{report.end - report.start:.1f}",
            "sample_ports": ",".join(str(p) for p in report.sample_ports),
        }
        return Event(
            eid=new_eid(),
            timestamp=datetime.fromtimestamp(report.end, UTC),
            decky=target,
            service=SERVICE,
            event_type=SCAN_EVENT,
            src_ip=report.src,
            fields=fields,
            message=(
                f"scan from {report.src}: {report.ports} ports on {report.deckies} deckies "
                f"({report.closed} closed, {report.opened} open), signature {report.signature}"
            ),
            severity=5,
        )

    def drain(self, now: float) -> tuple[list[Fingerprint], list[Event]]:
        """Pending fingerprint rows and scan events (both emptied); ends due scan windows first."""
        self.tick(now)
        events, self.events = self.events, []
        self.counts["evicted"] = self.flows.evicted + self.scans.evicted
        self.counts["internal_syns"] = self.scans.internal_syns
        overflow = self.findings.overflow
        if overflow:
            self.counts["pending_overflow"] += overflow
            self.counts["dropped"] += overflow
            self.findings.overflow = 0
        return self.findings.take(), events
