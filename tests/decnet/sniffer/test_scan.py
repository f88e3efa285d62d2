"""Scan detection windows, thresholds, answers and bounds."""

from __future__ import annotations

from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.scan import ScanDetector

CONFIG = SnifferConfig(scan_window_s=10, scan_ports=5, scan_deckies=3, max_sources=4, max_targets=100)


def test_many_ports_make_one_report_when_the_window_ends() -> None:
    scans = ScanDetector(CONFIG)
    for port in range(20, 30):
        scans.syn("198.51.100.9", "10.0.0.1", port, "nmap", 100.0 + port / 100)
        scans.answer("10.0.0.1", port, "198.51.100.9", opened=port == 22)
    scans.answer("10.0.0.1", 22, "198.51.100.9", opened=False)  # an open port's RST: still open
    assert scans.tick(105.0) == []
    [report] = scans.tick(110.5)
    assert (report.src, report.ports, report.deckies, report.syns) == ("198.51.100.9", 10, 1, 10)
    assert (report.closed, report.opened, report.signature) == (9, 1, "nmap")
    assert report.top_target == "10.0.0.1" and report.sample_ports[:3] == (20, 21, 22)
    assert scans.tick(200.0) == []


def test_many_deckies_and_quiet_sources() -> None:
    scans = ScanDetector(CONFIG)
    for host in range(1, 4):
        scans.syn("198.51.100.7", f"10.0.0.{host}", 445, None, 50.0)
    scans.syn("198.51.100.8", "10.0.0.1", 22, None, 50.0)
    scans.syn("198.51.100.8", "10.0.0.1", 22, None, 51.0)
    reports = scans.tick(61.0)
    assert [(r.src, r.deckies, r.signature) for r in reports] == [("198.51.100.7", 3, "unknown")]


def test_a_long_scan_reports_each_window() -> None:
    scans = ScanDetector(CONFIG)
    for second in range(25):
        for port in range(6):
            scans.syn("203.0.113.1", "10.0.0.1", 1000 * second + port, None, float(second))
    assert len(scans.tick(30.0)) == 3


def test_sources_are_bounded() -> None:
    scans = ScanDetector(CONFIG)
    for i in range(10):
        scans.syn(f"192.0.2.{i}", "10.0.0.1", 80, None, 1.0)
    assert len(scans.sources) == 4 and scans.evicted == 6
