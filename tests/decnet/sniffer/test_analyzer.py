"""The analyser end to end on crafted frames, and its behaviour under a burst."""

from __future__ import annotations

from decnet.sniffer.analyzer import Analyzer
from decnet.sniffer.config import SnifferConfig
from tests.decnet.sniffer import frames
from tests.decnet.sniffer.test_ssh import REAL
from tests.decnet.sniffer.test_tls import _chrome_like

SCANNER = "198.51.100.9"


def _kinds(analyzer: Analyzer, now: float) -> dict[str, set[str]]:
    rows, _ = analyzer.drain(now)
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row.kind, set()).add(row.value)
    return out


def test_a_tls_and_an_ssh_client_and_an_nmap_scan() -> None:
    analyzer = Analyzer(SnifferConfig(scan_ports=5))
    now = 1000.0
    analyzer.feed(frames.syn(sport=41000, dport=443, seq=10), now)
    hello = _chrome_like()
    analyzer.feed(frames.segment(hello[:700], seq=11, sport=41000, dport=443), now)
    analyzer.feed(frames.segment(hello[700:], seq=11 + 700, sport=41000, dport=443), now)
    analyzer.feed(frames.syn(sport=41001, dport=22, seq=50), now)
    analyzer.feed(frames.segment(REAL, seq=51, sport=41001, dport=22), now)
    for port in range(1, 11):
        probe = frames.syn(
            src=SCANNER, sport=50000, dport=port, window=1024, options=[("MSS", 1460)], df=False
        )
        analyzer.feed(probe, now)
        analyzer.feed(frames.answer("RA", dst=SCANNER, sport=port, dport=50000), now)
    kinds = _kinds(analyzer, now)
    assert kinds["ja3"] == {"98487aa16281980e7d1120d399efb6a4"}
    assert kinds["ja4"] == {"t13d1516h2_8daaf6152771_d8a2da3f94cd"}
    assert kinds["tls_sni"] == {"tls.example.org"} and kinds["tls_alpn"] == {"h2,http/1.1"}
    assert kinds["hassh"] == {"472b5de333ad665af5cbf10ff892c4df"}
    assert kinds["scan_tool"] == {"nmap:syn-scan"} and kinds["os"] == {"Linux 3.x+"}
    _, events = analyzer.drain(now + 11)
    [event] = events
    assert (event.service, event.event_type, event.src_ip) == ("sniffer", "scan", SCANNER)
    assert event.fields["ports"] == "10" and event.fields["closed"] == "10"
    assert event.fields["signature"] == "nmap" and event.decky == frames.DECKY
    event.validate()
    assert analyzer.counts["scans"] == 1 and analyzer.counts["flows"] == 12
    analyzer.decky_names = {frames.DECKY: "decky-01"}
    for port in range(1, 11):
        analyzer.feed(frames.syn(src=SCANNER, sport=50001, dport=port), now + 20)
    _, [event] = analyzer.drain(now + 31)
    assert event.decky == "decky-01" and event.fields["signature"] == "unknown"


def test_fingerprints_aggregate_by_source_kind_value() -> None:
    analyzer = Analyzer()
    for sport in range(100):
        analyzer.feed(frames.syn(sport=30000 + sport), 5.0 + sport / 1000)
    rows, _ = analyzer.drain(6.0)
    tcp = [r for r in rows if r.kind == "tcp_syn"]
    assert len(tcp) == 1 and tcp[0].count == 100
    assert tcp[0].first_seen < tcp[0].last_seen


def test_burst_keeps_new_flows_and_counts_the_rest() -> None:
    config = SnifferConfig(max_analyses_per_s=50, sample_every=10, max_pending=10000)
    analyzer = Analyzer(config)
    now = 77.0
    # A flood of SYNs from 1000 spoofed sources, each unlike the last (no aggregation possible).
    base = bytearray(frames.syn())
    for i in range(1000):
        base[26:30] = bytes((10, i // 250, i % 250, 9))  # source address
        base[34:36] = (1024 + i).to_bytes(2, "big")  # source port
        base[48:50] = (1000 + i).to_bytes(2, "big")  # window
        analyzer.feed(bytes(base), now)
    counts = analyzer.counts
    assert counts["syn_fingerprints"] == 50 + (1000 - 50) // 10
    assert (
        counts["sampled_out"] == 1000 - counts["syn_fingerprints"]
        and counts["dropped"] == counts["sampled_out"]
    )
    # A real client in the middle of the flood still has its TLS hello analysed.
    analyzer.feed(frames.syn(sport=41000, dport=443, seq=10), now)
    analyzer.feed(frames.segment(_chrome_like(), seq=11, sport=41000, dport=443), now)
    assert "t13d1516h2_8daaf6152771_d8a2da3f94cd" in _kinds(analyzer, now)["ja4"]
    # Over budget, SYNs like a recent one are aggregated into its fingerprint.
    same = bytearray(frames.syn(src="192.0.2.50"))
    for sport in range(200):
        same[34:36] = (2000 + sport).to_bytes(2, "big")
        analyzer.feed(bytes(same), now)
    assert counts["aggregated"] >= 190


def test_pending_rows_are_bounded() -> None:
    analyzer = Analyzer(SnifferConfig(max_pending=5))
    for i in range(20):
        analyzer.feed(frames.syn(src=f"192.0.2.{i}"), 1.0)
    rows, _ = analyzer.drain(1.0)
    assert len(rows) == 5 and analyzer.counts["pending_overflow"] > 0


def test_garbage_is_counted_not_raised() -> None:
    analyzer = Analyzer()
    for frame in (b"", b"\x00" * 60, frames.udp(), b"\xff" * 1500):
        analyzer.feed(frame, 1.0)
    assert analyzer.counts["malformed"] == 4 and analyzer.counts["packets"] == 4


def test_port_zero_probes_count() -> None:
    analyzer = Analyzer(SnifferConfig(scan_ports=2, scan_window_s=1))
    for port in (0, 1):
        analyzer.feed(frames.syn(src=SCANNER, dport=port), 1.0)
    assert analyzer.counts["malformed"] == 0
    _, [event] = analyzer.drain(3.0)
    assert event.fields["sample_ports"] == "0,1"
