"""Crafted frames for the sniffer tests (scapy builds them; the sniffer's own parser reads them)."""

from __future__ import annotations

from typing import Any

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether

ATTACKER = "10.231.0.2"
DECKY = "10.231.0.1"

LINUX_OPTS: list[Any] = [
    ("MSS", 1460),
    ("SAckOK", b""),
    ("Timestamp", (123456, 0)),
    ("NOP", None),
    ("WScale", 7),
]
WINDOWS_OPTS: list[Any] = [
    ("MSS", 1460),
    ("NOP", None),
    ("WScale", 8),
    ("NOP", None),
    ("NOP", None),
    ("SAckOK", b""),
]


def syn(
    src: str = ATTACKER,
    dst: str = DECKY,
    dport: int = 22,
    sport: int = 40000,
    ttl: int = 64,
    window: int = 64240,
    options: list[Any] | None = None,
    ip_id: int = 1,
    df: bool = True,
    seq: int = 1000,
    flags: str = "S",
    **tcp: Any,
) -> bytes:
    """An Ethernet frame carrying a TCP SYN (Linux-like by default)."""
    ip = IP(src=src, dst=dst, ttl=ttl, id=ip_id, flags="DF" if df else 0)
    opts = LINUX_OPTS if options is None else options
    seg = TCP(sport=sport, dport=dport, flags=flags, window=window, options=opts, seq=seq, **tcp)
    return bytes(Ether() / ip / seg)


def segment(
    payload: bytes,
    seq: int,
    src: str = ATTACKER,
    dst: str = DECKY,
    sport: int = 40000,
    dport: int = 443,
    flags: str = "PA",
) -> bytes:
    """A client data segment."""
    return bytes(
        Ether() / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq) / payload
    )


def answer(flags: str, src: str = DECKY, dst: str = ATTACKER, sport: int = 22, dport: int = 40000) -> bytes:
    """A server's answer (``SA`` open, ``RA`` closed)."""
    return bytes(Ether() / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags))


def syn6(src: str = "2001:db8::2", dst: str = "2001:db8::1", dport: int = 80) -> bytes:
    """A TCP SYN over IPv6."""
    return bytes(Ether() / IPv6(src=src, dst=dst, hlim=64) / TCP(dport=dport, flags="S", options=LINUX_OPTS))


def vlan_syn() -> bytes:
    """A SYN behind one 802.1Q tag."""
    return bytes(Ether() / Dot1Q(vlan=7) / IP(src=ATTACKER, dst=DECKY) / TCP(dport=80, flags="S"))


def udp(payload: bytes = b"hello") -> bytes:
    """A UDP datagram."""
    return bytes(Ether() / IP(src=ATTACKER, dst=DECKY) / UDP(sport=5353, dport=53) / payload)
