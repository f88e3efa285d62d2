"""The zone a dns decky is authoritative for, derived from its persona (and the config's extra records)."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta

from decnet.fleet.persona import Persona
from decnet.fleet.rand import derive_bytes, derive_choice, derive_int
from decnet.services.dns.message import (
    AAAA,
    ANY,
    CNAME,
    MX,
    NOERROR,
    NS,
    NXDOMAIN,
    REFUSED,
    RR,
    SOA,
    TXT,
    A,
    Name,
    lower,
    name_from_text,
)

#: Zones picked for personas whose hostname carries no domain.
DEFAULT_ZONES = ("corp.local", "internal.lan", "office.lan", "ad.local", "intra.local", "hq.lan")
#: Hosts every zone has besides the decky itself (bait for an AXFR or a brute force).
BAIT_HOSTS = ("dc01", "vpn", "files", "intranet", "backup", "git", "mail")
SUPPORTED = {"A": A, "AAAA": AAAA, "CNAME": CNAME, "MX": MX, "TXT": TXT, "NS": NS}


def default_zone(persona: Persona) -> str:
    """The hostname's domain when it has one (other than ``localdomain``), else one from the seed."""
    _, dot, domain = persona.hostname.lower().partition(".")
    if dot and domain and domain != "localdomain":
        return domain
    return derive_choice(persona.seed, "dns:zone", DEFAULT_ZONES)


def parse_record(text: str, origin: Name, ttl: int) -> RR:
    """One ``"name TYPE value"`` line (``@`` is the origin; names without a dot are relative)."""
    parts = text.split(None, 2)
    if len(parts) != 3:
        raise ValueError(f"expected 'name TYPE value', got {text!r}")
    owner, kind, value = parts[0], parts[1].upper(), parts[2].strip()
    if kind not in SUPPORTED:
        raise ValueError(f"record type {kind!r} not supported (one of {', '.join(SUPPORTED)})")

    def absolute(name: str) -> Name:
        if name == "@":
            return origin
        if name.endswith("."):
            return name_from_text(name)
        return name_from_text(name) + origin

    rtype = SUPPORTED[kind]
    data: object
    if rtype == A:
        data = ipaddress.IPv4Address(value).packed
    elif rtype == AAAA:
        data = ipaddress.IPv6Address(value).packed
    elif rtype == MX:
        pref, _, host = value.partition(" ")
        data = (int(pref), absolute(host.strip()))
    elif rtype == TXT:
        if len(value) > 1024:
            raise ValueError("TXT value longer than 1024 characters")
        data = (value.strip('"'),)
    else:
        data = absolute(value)
    return RR(absolute(owner), rtype, ttl, data)


def _host_ip(persona: Persona, label: str, index: int) -> bytes:
    try:
        addr = ipaddress.ip_address(persona.ip)
    except ValueError:
        addr = ipaddress.IPv4Address("10.0.0.10")
    if not isinstance(addr, ipaddress.IPv4Address):
        addr = ipaddress.IPv4Address("10.0.0.10")
    base = bytes(addr.packed[:3])
    own = addr.packed[3]
    octet = 2 + (derive_int(persona.seed, f"dns:host:{label}", 250) + index * 7) % 250
    if octet == own:
        octet = octet % 250 + 2
    return base + bytes([octet])


@dataclass(slots=True)
class Zone:
    """Records by (lowered) owner name, with the lookup an authoritative server does."""

    origin: Name
    soa: RR
    records: dict[Name, list[RR]] = field(default_factory=dict)

    def add(self, rr: RR) -> None:
        self.records.setdefault(lower(rr.name), []).append(rr)

    def contains(self, name: Name) -> bool:
        """Whether ``name`` is at or under the origin."""
        n = len(self.origin)
        return len(name) >= n and lower(name[len(name) - n :]) == lower(self.origin)

    def all_records(self) -> list[RR]:
        return [rr for rrs in self.records.values() for rr in rrs]

    def ns_records(self) -> list[RR]:
        return [rr for rr in self.records.get(lower(self.origin), []) if rr.rtype == NS]

    def negative_soa(self) -> RR:
        """The SOA for the authority section of a negative answer (TTL = min(TTL, MINIMUM))."""
        minimum = self.soa.data[-1] if isinstance(self.soa.data, tuple) else self.soa.ttl
        return RR(self.soa.name, SOA, min(self.soa.ttl, int(minimum)), self.soa.data)

    def lookup(self, qname: Name, qtype: int) -> tuple[int, list[RR], list[RR]]:
        """(rcode, answers, authority) for an IN query; REFUSED outside the zone."""
        if not self.contains(qname):
            return REFUSED, [], []
        rrs = self.records.get(lower(qname))
        if rrs is None:
            return NXDOMAIN, [], [self.negative_soa()]
        if qtype == ANY:
            return NOERROR, list(rrs), []
        found = [rr for rr in rrs if rr.rtype == qtype]
        if found:
            return NOERROR, found, []
        cname = [rr for rr in rrs if rr.rtype == CNAME]
        if cname and isinstance(cname[0].data, tuple):
            target = self.records.get(lower(cname[0].data), [])
            return NOERROR, cname + [rr for rr in target if rr.rtype == qtype], []
        return NOERROR, [], [self.negative_soa()]


def build_zone(persona: Persona, zone: str, ttl: int, extra: tuple[str, ...] = ()) -> Zone:
    """The decky's zone: SOA, NS, MX, SPF, the decky, a few bait hosts, then ``extra`` lines."""
    origin = name_from_text(zone)
    host = persona.hostname.split(".", 1)[0].lower() or "ns1"
    updated = persona.booted_at - timedelta(days=derive_int(persona.seed, "dns:serial", 90))
    serial = int(updated.strftime("%Y%m%d")) * 100 + 1 + derive_int(persona.seed, "dns:rev", 4)
    ns1 = (b"ns1", *origin)
    soa = RR(origin, SOA, ttl, (ns1, (b"hostmaster", *origin), serial, 604800, 86400, 2419200, 3600))
    z = Zone(origin, soa)
    z.add(soa)
    z.add(RR(origin, NS, ttl, ns1))
    z.add(RR(origin, MX, ttl, (10, (b"mail", *origin))))
    z.add(RR(origin, TXT, ttl, ("v=spf1 mx -all",)))
    own = _host_ip(persona, "self", 0)
    with contextlib.suppress(ValueError):
        own = ipaddress.IPv4Address(persona.ip).packed
    ula = b"\xfd" + derive_bytes(persona.seed, "dns:ula")[:5] + b"\0\0" + b"\0" * 6
    z.add(RR(ns1, A, ttl, own))
    z.add(RR(ns1, AAAA, ttl, ula + b"\0" + own[3:]))
    me = (host.encode(), *origin)
    if me != ns1:
        z.add(RR(me, A, ttl, own))
        z.add(RR(me, AAAA, ttl, ula + b"\0" + own[3:]))
    for index, label in enumerate(BAIT_HOSTS):
        name = (label.encode(), *origin)
        if lower(name) not in z.records:
            z.add(RR(name, A, ttl, _host_ip(persona, label, index)))
    z.add(RR((b"www", *origin), CNAME, ttl, (b"intranet", *origin)))
    for line in extra:
        z.add(parse_record(line, origin, ttl))
    return z
