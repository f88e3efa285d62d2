"""SYN fingerprints: TTL guess, p0f-style signature and quirks, OS guesses, scanner signatures."""

from __future__ import annotations

import pytest

from decnet.sniffer.packet import parse_frame
from decnet.sniffer.tcpfp import SynFingerprint, guess_ittl, syn_fingerprint
from tests.decnet.sniffer import frames


def fp(frame: bytes) -> SynFingerprint:
    pkt = parse_frame(frame)
    assert pkt is not None
    return syn_fingerprint(pkt)


@pytest.mark.parametrize(
    ("ttl", "ittl"), [(1, 32), (32, 32), (33, 64), (57, 64), (64, 64), (120, 128), (200, 255)]
)
def test_initial_ttl_guess(ttl: int, ittl: int) -> None:
    assert guess_ittl(ttl) == ittl


def test_linux_syn() -> None:
    result = fp(frames.syn(ttl=61, window=64240))
    assert result.signature == "4:64:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0"
    assert (result.ittl, result.distance) == (64, 3)
    assert result.os == "Linux 3.x+" and result.tool is None


def test_windows_syn() -> None:
    result = fp(frames.syn(ttl=128, window=64240, options=frames.WINDOWS_OPTS))
    assert result.os == "Windows 7+" and result.distance == 0
    assert ":mss,nop,ws,nop,nop,sok:" in result.signature


def test_nmap_syn_scan_probes() -> None:
    for window in (1024, 2048, 3072, 4096):
        result = fp(frames.syn(ttl=45, window=window, options=[("MSS", 1460)], df=False, ip_id=31337))
        assert (result.tool, result.probe) == ("nmap", "syn-scan")
        assert result.os is None
    assert fp(frames.syn(window=5000, options=[("MSS", 1460)])).tool is None


def test_nmap_os_detection_probes() -> None:
    t1 = [("WScale", 10), ("NOP", None), ("MSS", 1460), ("Timestamp", (0xFFFFFFFF, 0)), ("SAckOK", b"")]
    assert fp(frames.syn(window=1, options=t1)).probe == "os-t1"
    t6 = [("MSS", 265), ("SAckOK", b""), ("Timestamp", (0xFFFFFFFF, 0))]
    assert fp(frames.syn(window=512, options=t6)).probe == "os-t6"
    ecn = [("WScale", 10), ("NOP", None), ("MSS", 1460), ("SAckOK", b""), ("NOP", None), ("NOP", None)]
    result = fp(frames.syn(window=3, options=ecn, flags="SEC", urgptr=0xF7F5))
    assert result.probe == "os-ecn" and "ecnf" in result.quirks and "uptr+" in result.quirks


def test_masscan_and_zmap() -> None:
    assert fp(frames.syn(ttl=255, window=1024, options=[], df=False)).tool == "masscan"
    zmap = fp(frames.syn(ttl=255, window=65535, options=[("MSS", 1460)], ip_id=54321, df=False))
    assert zmap.tool == "zmap"


def test_quirks() -> None:
    result = fp(frames.syn(ip_id=0, df=False, seq=0, ack=5))
    assert {"id-", "seq-", "ack+"} <= set(result.quirks)
    result = fp(frames.syn(options=[("Timestamp", (0, 7))]))
    assert {"ts1-", "ts2+"} <= set(result.quirks)
    result = fp(frames.syn(options=[("MSS", 1460), ("EOL", None)]))
    assert result.olayout.endswith("eol")
    result = fp(frames.syn6())
    assert result.signature.startswith("6:64:") and result.os == "Linux 3.x+"


def test_ip_options_length_is_in_the_signature() -> None:
    from scapy.layers.inet import IP, TCP, IPOption_RR
    from scapy.layers.l2 import Ether

    frame = bytes(Ether() / IP(src="10.231.0.2", dst="10.231.0.1", options=[IPOption_RR()]) / TCP(flags="S"))
    assert fp(frame).signature.startswith("4:64:") and fp(frame).signature.split(":")[2] != "0"
