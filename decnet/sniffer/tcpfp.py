"""TCP SYN fingerprints in the manner of p0f, with an OS guess and scanner signatures.

The signature string is ``ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass`` (p0f's
layout): the initial TTL is guessed as the next of 32/64/128/255 at or above the observed
TTL and the hop distance is the difference. The OS and scanner tables are data
(``signatures.json``), loaded once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from decnet.sniffer.packet import ACK, CWR, ECE, PSH, URG, Packet, parse_tcp_options

#: Initial TTLs operating systems use.
INITIAL_TTLS = (32, 64, 128, 255)


@dataclass(frozen=True, slots=True)
class SynFingerprint:
    """What one SYN says about its sender."""

    signature: str
    ittl: int
    distance: int
    window: int
    mss: int | None
    wscale: int | None
    olayout: str
    quirks: tuple[str, ...]
    os: str | None
    tool: str | None
    probe: str | None


def guess_ittl(ttl: int) -> int:
    """The initial TTL a packet seen with ``ttl`` most likely started with."""
    for ittl in INITIAL_TTLS:
        if ttl <= ittl:
            return ittl
    return 255


def quirks_of(
    packet: Packet, ts_val: int | None, ts_ecr: int | None, malformed: bool, trailing: bool
) -> list[str]:
    """p0f-style quirks of a SYN (IP and TCP header oddities)."""
    quirks: list[str] = []
    if packet.version == 4:
        if packet.df:
            quirks.append("df")
            if packet.ip_id:
                quirks.append("id+")
        elif packet.ip_id == 0:
            quirks.append("id-")
    elif packet.flow_label:
        quirks.append("flow")
    if packet.ecn:
        quirks.append("ecn")
    if packet.flags & (ECE | CWR):
        quirks.append("ecnf")
    if packet.reserved:
        quirks.append("0+")
    if packet.seq == 0:
        quirks.append("seq-")
    if packet.ack and not packet.flags & ACK:
        quirks.append("ack+")
    if packet.urgent and not packet.flags & URG:
        quirks.append("uptr+")
    if packet.flags & URG:
        quirks.append("urgf+")
    if packet.flags & PSH:
        quirks.append("pushf+")
    if ts_val is not None and ts_val == 0:
        quirks.append("ts1-")
    if ts_ecr:
        quirks.append("ts2+")
    if trailing:
        quirks.append("opt+")
    if malformed:
        quirks.append("bad")
    return quirks


def _window_text(window: int, mss: int | None) -> str:
    if mss and window and window % mss == 0 and window // mss <= 64:
        return f"mss*{window // mss}"
    return str(window)


@cache
def _tables() -> dict[str, list[dict[str, Any]]]:
    text = resources.files("decnet.sniffer").joinpath("signatures.json").read_text("utf-8")
    data = json.loads(text)
    return {"tools": list(data["tools"]), "os": list(data["os"])}


def _matches(rule: dict[str, Any], fields: dict[str, Any]) -> bool:
    for key, expected in rule.items():
        if key in ("label", "probe") or expected == "*":
            continue
        value = fields.get(key)
        if key == "win":
            if not any(value == w or fields["wtext"] == w for w in expected):
                return False
        elif value != expected:
            return False
    return True


@cache
def _special_ids() -> frozenset[int]:
    """IP IDs some scanners always use (zmap's 54321)."""
    return frozenset(int(rule["ip_id"]) for rule in _tables()["tools"] if "ip_id" in rule)


@lru_cache(maxsize=4096)
def classify(
    olayout: str, win: int, wtext: str, ws: int | None, mss: int | None, ittl: int, ip_id: int | None
) -> tuple[str | None, str | None, str | None]:
    """(os, tool, probe) of a SYN with these header values (first matching rule of the tables)."""
    fields = {
        "olayout": olayout,
        "win": win,
        "wtext": wtext,
        "ws": ws,
        "mss": mss,
        "ittl": ittl,
        "ip_id": ip_id,
    }
    tool = probe = os_label = None
    for rule in _tables()["tools"]:
        if _matches(rule, fields):
            tool, probe = rule["label"], rule.get("probe")
            break
    if tool is None:
        for rule in _tables()["os"]:
            if _matches(rule, fields):
                os_label = rule["label"]
                break
    return os_label, tool, probe


def syn_fingerprint(packet: Packet) -> SynFingerprint:
    """The fingerprint of a TCP SYN (the caller checks the flags)."""
    opts = parse_tcp_options(packet.tcp_options)
    trailing = opts.eol_pad > 0 and any(packet.tcp_options[-opts.eol_pad :])
    quirks = quirks_of(packet, opts.ts_val, opts.ts_ecr, opts.malformed, trailing)
    ittl = guess_ittl(packet.ttl)
    olayout = ",".join(opts.layout)
    wtext = _window_text(packet.window, opts.mss)
    scale = "*" if opts.wscale is None else str(opts.wscale)
    mss = "*" if opts.mss is None else str(opts.mss)
    pclass = "+" if packet.payload else "0"
    ip_olen = packet.ip_opts
    signature = (
        f"{packet.version}:{ittl}:{ip_olen}:{mss}:{wtext},{scale}:{olayout}:{','.join(quirks)}:{pclass}"
    )
    ip_id = packet.ip_id if packet.version == 4 and packet.ip_id in _special_ids() else None
    os_label, tool, probe = classify(olayout, packet.window, wtext, opts.wscale, opts.mss, ittl, ip_id)
    return SynFingerprint(
        signature=signature,
        ittl=ittl,
        distance=ittl - packet.ttl,
        window=packet.window,
        mss=opts.mss,
        wscale=opts.wscale,
        olayout=olayout,
        quirks=tuple(quirks),
        os=os_label,
        tool=tool,
        probe=probe,
    )
