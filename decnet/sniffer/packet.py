"""Defensive parsing of captured frames: Ethernet (one VLAN tag), IPv4, IPv6, TCP and UDP.

Any byte string is accepted: a frame that is too short, has a bad header length or an
unsupported protocol yields ``None`` (or a packet without a transport header), never an
exception. Work is bounded by the frame length; IPv6 extension headers are followed at most
:data:`MAX_IPV6_EXT` times.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_VLAN = (0x8100, 0x88A8)
PROTO_TCP = 6
PROTO_UDP = 17

#: TCP flag bits.
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80

#: Most IPv6 extension headers followed before giving up.
MAX_IPV6_EXT = 4
_IPV6_EXT = frozenset({0, 43, 60})  # hop-by-hop, routing, destination options (fragments stop)


@dataclass(slots=True)
class Packet:
    """The fields of one frame the analysers need (``payload`` is the transport payload)."""

    version: int
    src: str
    dst: str
    proto: int
    ttl: int
    ip_id: int = 0
    df: bool = False
    ecn: int = 0
    #: Bytes of IPv4 options or IPv6 extension headers.
    ip_opts: int = 0
    flow_label: int = 0
    sport: int = 0
    dport: int = 0
    seq: int = 0
    ack: int = 0
    flags: int = 0
    window: int = 0
    urgent: int = 0
    tcp_options: bytes = b""
    reserved: int = 0
    payload: bytes = b""
    #: The 4-tuple as raw bytes (source address, port, destination address, port): a flow key.
    key: bytes = b""


def reverse_key(key: bytes) -> bytes:
    """The flow key of the opposite direction."""
    half = len(key) // 2
    return key[half:] + key[:half]


def _ip4(raw: bytes) -> str:
    return f"{raw[0]}.{raw[1]}.{raw[2]}.{raw[3]}"


def _ip6(raw: bytes) -> str:
    return str(ipaddress.IPv6Address(raw))


def parse_frame(frame: bytes) -> Packet | None:
    """Parse an Ethernet frame; None if it is not IPv4/IPv6 or is malformed."""
    if len(frame) < 14:
        return None
    ethertype = int.from_bytes(frame[12:14], "big")
    offset = 14
    if ethertype in ETH_VLAN:
        if len(frame) < 18:
            return None
        ethertype = int.from_bytes(frame[16:18], "big")
        offset = 18
    if ethertype == ETH_IPV4:
        return parse_ipv4(frame[offset:])
    if ethertype == ETH_IPV6:
        return parse_ipv6(frame[offset:])
    return None


def parse_ipv4(data: bytes) -> Packet | None:
    """Parse an IPv4 datagram (truncated at its total length); None if malformed."""
    if len(data) < 20 or data[0] >> 4 != 4:
        return None
    ihl = (data[0] & 0x0F) * 4
    total = int.from_bytes(data[2:4], "big")
    if ihl < 20 or len(data) < ihl or total < ihl:
        return None
    frag = int.from_bytes(data[6:8], "big")
    packet = Packet(
        version=4,
        src=_ip4(data[12:16]),
        dst=_ip4(data[16:20]),
        proto=data[9],
        ttl=data[8],
        ip_id=int.from_bytes(data[4:6], "big"),
        df=bool(frag & 0x4000),
        ecn=data[1] & 0x03,
        ip_opts=ihl - 20,
    )
    if frag & 0x3FFF:  # a fragment (MF set or a nonzero offset): no transport header to trust
        return packet
    _transport(packet, data[ihl:total], data[12:16], data[16:20])
    return packet


def parse_ipv6(data: bytes) -> Packet | None:
    """Parse an IPv6 packet, skipping a few extension headers; None if malformed."""
    if len(data) < 40 or data[0] >> 4 != 6:
        return None
    head = int.from_bytes(data[0:4], "big")
    length = int.from_bytes(data[4:6], "big")
    packet = Packet(
        version=6,
        src=_ip6(data[8:24]),
        dst=_ip6(data[24:40]),
        proto=data[6],
        ttl=data[7],
        ecn=(head >> 20) & 0x03,
        flow_label=head & 0xFFFFF,
    )
    body = data[40 : 40 + length]
    for _ in range(MAX_IPV6_EXT):
        if packet.proto not in _IPV6_EXT:
            break
        if len(body) < 8:
            return packet
        packet.proto, skip = body[0], (body[1] + 1) * 8
        packet.ip_opts += skip
        body = body[skip:]
    else:
        if packet.proto in _IPV6_EXT:
            return packet
    _transport(packet, body, data[8:24], data[24:40])
    return packet


def _transport(packet: Packet, seg: bytes, src: bytes, dst: bytes) -> None:
    if packet.proto == PROTO_TCP:
        if len(seg) < 20:
            return
        off = (seg[12] >> 4) * 4
        if off < 20 or len(seg) < off:
            return
        packet.sport = int.from_bytes(seg[0:2], "big")
        packet.dport = int.from_bytes(seg[2:4], "big")
        packet.seq = int.from_bytes(seg[4:8], "big")
        packet.ack = int.from_bytes(seg[8:12], "big")
        packet.reserved = seg[12] & 0x0F
        packet.flags = seg[13]
        packet.window = int.from_bytes(seg[14:16], "big")
        packet.urgent = int.from_bytes(seg[18:20], "big")
        packet.tcp_options = seg[20:off]
        packet.payload = seg[off:]
        packet.key = src + seg[0:2] + dst + seg[2:4]
    elif packet.proto == PROTO_UDP:
        if len(seg) < 8:
            return
        packet.sport = int.from_bytes(seg[0:2], "big")
        packet.dport = int.from_bytes(seg[2:4], "big")
        length = int.from_bytes(seg[4:6], "big")
        packet.payload = seg[8 : max(8, length)]


#: TCP option kinds.
OPT_EOL, OPT_NOP, OPT_MSS, OPT_WS, OPT_SACK_OK, OPT_SACK, OPT_TS = 0, 1, 2, 3, 4, 5, 8
#: Most TCP options read (the option area is at most 40 bytes anyway).
MAX_TCP_OPTIONS = 40


@dataclass(slots=True)
class TcpOptions:
    """TCP options in order, with the values fingerprints use."""

    layout: list[str]
    mss: int | None = None
    wscale: int | None = None
    ts_val: int | None = None
    ts_ecr: int | None = None
    eol_pad: int = 0
    malformed: bool = False


def parse_tcp_options(raw: bytes) -> TcpOptions:
    """Walk the TCP option area; a bad length ends the walk with ``malformed`` set."""
    opts = TcpOptions(layout=[])
    i, n = 0, len(raw)
    while i < n and len(opts.layout) < MAX_TCP_OPTIONS:
        kind = raw[i]
        if kind == OPT_EOL:
            opts.layout.append("eol")
            opts.eol_pad = n - i - 1
            break
        if kind == OPT_NOP:
            opts.layout.append("nop")
            i += 1
            continue
        if i + 1 >= n or raw[i + 1] < 2 or i + raw[i + 1] > n:
            opts.malformed = True
            break
        size = raw[i + 1]
        body = raw[i + 2 : i + size]
        if kind == OPT_MSS and size == 4:
            opts.layout.append("mss")
            opts.mss = int.from_bytes(body, "big")
        elif kind == OPT_WS and size == 3:
            opts.layout.append("ws")
            opts.wscale = body[0]
        elif kind == OPT_SACK_OK and size == 2:
            opts.layout.append("sok")
        elif kind == OPT_SACK:
            opts.layout.append("sack")
        elif kind == OPT_TS and size == 10:
            opts.layout.append("ts")
            opts.ts_val = int.from_bytes(body[0:4], "big")
            opts.ts_ecr = int.from_bytes(body[4:8], "big")
        else:
            opts.layout.append(f"?{kind}")
        i += size
    return opts
