"""DECNET's own traffic: the source addresses that are the deckies' host, never an attacker.

Three kinds of address are internal:

- the hairpin address of every recorded decky (``_fleet.hairpin_ip`` of its stored spec): the
  host's own leg on a decoy LAN (netns/docker), which no attacker can use;
- :data:`PROBER_SOURCE`: the loopback address the prober binds its sockets to when it probes a
  local (127.x.y.z) decky, so its connections differ from a tester's on 127.0.0.1;
- the addresses and networks of the ``DECNET_INTERNAL_SOURCES`` setting (management hosts,
  monitoring).

The correlator ignores events from them and the sniffer's scan detection ignores their SYNs.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from decnet.db.models import decky_table

#: Source address of the prober's connections to loopback (local backend) deckies.
PROBER_SOURCE = "127.255.255.254"
#: Key of the network context in a stored decky spec (``decnet.engine.reconcile.FLEET_KEY``).
FLEET_KEY = "_fleet"
#: Most entries accepted in ``DECNET_INTERNAL_SOURCES``.
MAX_ENTRIES = 256

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def probe_source(target_ip: str) -> str | None:
    """The address the prober binds to when it connects to ``target_ip`` (None: the kernel's choice)."""
    try:
        address = ipaddress.ip_address(target_ip)
    except ValueError:
        return None
    return PROBER_SOURCE if isinstance(address, ipaddress.IPv4Address) and address.is_loopback else None


def parse_sources(text: str | None) -> tuple[Network, ...]:
    """Networks of a comma-separated list of IPs and CIDRs (``ValueError`` on a bad item)."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    if len(items) > MAX_ENTRIES:
        raise ValueError(f"expected at most {MAX_ENTRIES} addresses or networks")
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"expected IP addresses or CIDR networks separated by commas, not {item!r}"
            ) from None
    return tuple(networks)


def hairpin_of(spec: Any) -> str | None:
    """The hairpin address recorded in a stored decky spec (None if it has none or it is not an IP)."""
    context = spec.get(FLEET_KEY) if isinstance(spec, dict) else None
    value = context.get("hairpin_ip") if isinstance(context, dict) else None
    parsed = _parse(value) if isinstance(value, str) else None
    return parsed[0] if parsed is not None else None


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[str, Address] | None:
    """The canonical text and address of ``text`` (an IPv4-mapped IPv6 address as IPv4)."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address), address


@dataclass(frozen=True, slots=True)
class InternalSources:
    """A set of internal source addresses; ``ip in sources`` tells one (unparsable: never)."""

    addresses: frozenset[str]
    networks: tuple[Network, ...] = ()

    @classmethod
    def of(cls, hairpins: Iterable[str | None], extra: str | Iterable[str] | None = None) -> InternalSources:
        """The prober's source, ``hairpins`` and ``extra`` (setting text or items)."""
        text = extra if isinstance(extra, str) or extra is None else ",".join(extra)
        addresses = {PROBER_SOURCE}
        networks: list[Network] = []
        for hairpin in hairpins:
            parsed = _parse(hairpin) if hairpin else None
            if parsed is not None:
                addresses.add(parsed[0])
        for net in parse_sources(text):
            if net.num_addresses == 1:
                addresses.add(str(net.network_address))
            else:
                networks.append(net)
        return cls(frozenset(addresses), tuple(sorted(set(networks), key=str)))

    def __contains__(self, ip: object) -> bool:
        if not isinstance(ip, str) or not ip:
            return False
        if ip in self.addresses:
            return True
        parsed = _parse(ip)
        if parsed is None:
            return False
        return parsed[0] in self.addresses or any(parsed[1] in net for net in self.networks)


class InternalSourcesLoader:
    """Reads :class:`InternalSources` from the decky table, parsing only the specs that changed.

    Every :meth:`load` reads the table as the given connection sees it (inside the caller's
    transaction), so its answer is the repository's state at that moment; the cache only saves
    parsing the specs of deckies whose ``updated_at`` did not change.
    """

    def __init__(self, extra: str | Iterable[str] | None = None) -> None:
        self.extra = extra if isinstance(extra, str) or extra is None else ",".join(extra)
        parse_sources(self.extra)  # fail early on a bad setting
        self._hairpins: dict[str, tuple[datetime, str | None]] = {}

    async def load(self, conn: AsyncConnection) -> InternalSources:
        """The internal sources of the repository behind ``conn`` and the setting."""
        rows = (await conn.execute(select(decky_table.c.name, decky_table.c.updated_at))).all()
        current = {str(name): at for name, at in rows}
        stale = sorted(name for name, at in current.items() if self._hairpins.get(name, (None,))[0] != at)
        for start in range(0, len(stale), 500):
            chunk = stale[start : start + 500]
            stmt = select(decky_table.c.name, decky_table.c.updated_at, decky_table.c.spec).where(
                decky_table.c.name.in_(chunk)
            )
            for name, at, spec in await conn.execute(stmt):
                self._hairpins[str(name)] = (at, hairpin_of(spec))
        for name in set(self._hairpins) - set(current):
            del self._hairpins[name]
        return InternalSources.of((hairpin for _, hairpin in self._hairpins.values()), self.extra)
