"""Frame parsing: Ethernet, VLAN, IPv4, IPv6, TCP, UDP and TCP options, on crafted frames."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop
from scapy.layers.l2 import ARP, Ether

from decnet.sniffer.packet import ACK, PROTO_TCP, PROTO_UDP, SYN, parse_frame, parse_tcp_options
from tests.decnet.sniffer import frames


def test_ipv4_tcp_syn_fields() -> None:
    pkt = parse_frame(frames.syn(ttl=57, window=29200, ip_id=4242, seq=77, sport=41000, dport=8443))
    assert pkt is not None
    assert (pkt.version, pkt.src, pkt.dst, pkt.proto) == (4, frames.ATTACKER, frames.DECKY, PROTO_TCP)
    assert (pkt.ttl, pkt.ip_id, pkt.df, pkt.ip_opts) == (57, 4242, True, 0)
    assert (pkt.sport, pkt.dport, pkt.seq, pkt.window) == (41000, 8443, 77, 29200)
    assert pkt.flags & SYN and not pkt.flags & ACK
    opts = parse_tcp_options(pkt.tcp_options)
    assert opts.layout == ["mss", "sok", "ts", "nop", "ws"]
    assert (opts.mss, opts.wscale, opts.ts_val, opts.ts_ecr) == (1460, 7, 123456, 0)
    assert pkt.payload == b""


def test_payload_is_cut_at_ip_total_length() -> None:
    frame = frames.segment(b"GET / HTTP/1.1\r\n\r\n", seq=5) + b"\x00" * 20  # Ethernet padding
    pkt = parse_frame(frame)
    assert pkt is not None and pkt.payload == b"GET / HTTP/1.1\r\n\r\n" and pkt.seq == 5


def test_ipv6_and_extension_header() -> None:
    pkt = parse_frame(frames.syn6())
    assert pkt is not None and pkt.version == 6 and pkt.src == "2001:db8::2" and pkt.dport == 80
    frame = bytes(Ether() / IPv6(src="2001:db8::2", dst="2001:db8::1") / IPv6ExtHdrHopByHop() / TCP(dport=22))
    pkt = parse_frame(frame)
    assert pkt is not None and pkt.proto == PROTO_TCP and pkt.dport == 22 and pkt.ip_opts == 8


def test_vlan_udp_and_other_frames() -> None:
    pkt = parse_frame(frames.vlan_syn())
    assert pkt is not None and pkt.dport == 80
    pkt = parse_frame(frames.udp(b"query"))
    assert pkt is not None and pkt.proto == PROTO_UDP and pkt.dport == 53 and pkt.payload == b"query"
    assert parse_frame(bytes(Ether() / ARP())) is None
    assert parse_frame(b"") is None and parse_frame(b"\x00" * 13) is None


def test_fragments_carry_no_transport_header() -> None:
    frame = bytes(Ether() / IP(src=frames.ATTACKER, dst=frames.DECKY, flags="MF", frag=0) / TCP(dport=22))
    pkt = parse_frame(frame)
    assert pkt is not None and pkt.dport == 0
    frame = bytes(Ether() / IP(src=frames.ATTACKER, dst=frames.DECKY, frag=10, proto=6) / (b"x" * 40))
    pkt = parse_frame(frame)
    assert pkt is not None and pkt.dport == 0


def test_malformed_headers_are_refused_not_raised() -> None:
    good = frames.syn()
    bad_ihl = good[:14] + bytes([0x44]) + good[15:]  # IHL 16 < 20
    assert parse_frame(bad_ihl) is None
    bad_offset = bytearray(good)
    bad_offset[14 + 20 + 12] = 0xF0  # data offset 60 > segment
    pkt = parse_frame(bytes(bad_offset))
    assert pkt is not None and pkt.dport == 0
    assert parse_frame(good[:30]) is None


def test_tcp_options_walk() -> None:
    assert parse_tcp_options(b"\x02\x04\x05\xb4\x01\x03\x03\x08\x00\x00").layout == [
        "mss",
        "nop",
        "ws",
        "eol",
    ]
    opts = parse_tcp_options(b"\x02\x04\x05\xb4\x00\x07\x07")
    assert opts.layout == ["mss", "eol"] and opts.eol_pad == 2
    assert parse_tcp_options(b"\x02\x09\x05").malformed
    assert parse_tcp_options(b"\x08\x01").malformed
    assert parse_tcp_options(b"\x1e\x03\x00").layout == ["?30"]
