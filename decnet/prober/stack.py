"""The TCP/IP stack check: TTL and TCP options of a decky's SYN-ACK against its OS profile.

A SYN carrying MSS, SACK-permitted, timestamps and window scale goes out of the host's hairpin
interface straight to the decky's MAC (scapy, raw sockets: root); the SYN-ACK shows what the
decky's stack echoes. On the LAN there is no hop, so the TTL must be the profile's initial TTL.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from decnet.fleet.catalog.os_profiles import sysctls_for
from decnet.prober.verdict import Verdict

STACK_WEIGHT = 3
CHECK = "tcp_stack"


@dataclass(frozen=True, slots=True)
class SynAck:
    """The parts of a SYN-ACK an OS fingerprint reads."""

    ttl: int
    df: bool
    window: int
    options: tuple[str, ...]  #: option kinds in order, e.g. ("MSS", "SAckOK", "Timestamp", "NOP", "WScale")


def send_syn(iface: str, mac: str, ip: str, port: int, timeout: float = 2.0, tries: int = 3) -> SynAck | None:
    """Send a SYN to ``ip:port`` via ``iface`` (Ethernet to ``mac``); the SYN-ACK, or None."""
    from scapy.arch import get_if_addr
    from scapy.config import conf
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.sendrecv import srp1

    conf.verb = 0
    src = get_if_addr(iface)
    for _ in range(tries):
        syn = TCP(
            sport=40000 + secrets.randbelow(20000),
            dport=port,
            flags="S",
            seq=secrets.randbelow(2**32),
            window=64240,
            options=[
                ("MSS", 1460),
                ("SAckOK", b""),
                ("Timestamp", (secrets.randbelow(2**31), 0)),
                ("NOP", None),
                ("WScale", 7),
            ],
        )
        reply = srp1(Ether(dst=mac) / IP(src=src, dst=ip) / syn, iface=iface, timeout=timeout)
        if reply is not None and TCP in reply and reply[TCP].flags.SA:
            tcp = reply[TCP]
            return SynAck(
                ttl=int(reply[IP].ttl),
                df=bool(reply[IP].flags.DF),
                window=int(tcp.window),
                options=tuple(str(kind) for kind, _ in tcp.options),
            )
    return None


def judge(os_profile: str, reply: SynAck, port: int) -> Verdict:
    """Compare a SYN-ACK with what the OS profile's sysctls make the kernel send.

    TTL and the timestamp, window-scale and SACK options follow the sysctls. DF is reported but
    not judged: Linux sets it on SYN-ACKs whatever ``ip_no_pmtu_disc`` says.
    """
    sysctls = {key.rsplit(".", 1)[1]: int(value) for key, value in sysctls_for(os_profile).items()}
    problems = []
    if reply.ttl != sysctls["ip_default_ttl"]:
        problems.append(f"TTL {reply.ttl}, profile {sysctls['ip_default_ttl']}")
    for option, key in (
        ("Timestamp", "tcp_timestamps"),
        ("WScale", "tcp_window_scaling"),
        ("SAckOK", "tcp_sack"),
    ):
        present = option in reply.options
        if present != bool(sysctls[key]):
            problems.append(f"{option} {'present' if present else 'absent'}, {key}={sysctls[key]}")
    options = ",".join(reply.options)
    seen = f"port {port}: TTL {reply.ttl}, DF {int(reply.df)}, window {reply.window}, options {options}"
    return Verdict.of(
        CHECK, not problems, seen + ("; " + "; ".join(problems) if problems else ""), STACK_WEIGHT
    )


def unavailable(reason: str) -> Verdict:
    """The stack check could not run (not scored)."""
    return Verdict.of(CHECK, None, reason, STACK_WEIGHT)


def can_send_raw() -> bool:
    """True if this process may open raw sockets (root)."""
    return os.geteuid() == 0
