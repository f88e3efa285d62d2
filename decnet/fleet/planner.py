"""The planner: from CLI deploy flags (or INI sections) to a complete, reproducible ``FleetSpec``.

Everything random is drawn from the fleet seed: the same seed and parameters give the same
plan (``--seed``). Each decky's own choices (services, distro, MAC, hostname) use its seed,
derived from the fleet seed and its name, so adding a decky does not change the others.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from decnet.fleet.catalog.archetypes import ARCHETYPES, Archetype, default_distros
from decnet.fleet.catalog.distros import DISTROS
from decnet.fleet.catalog.os_profiles import OS_PROFILES
from decnet.fleet.catalog.services import SERVICES, port_clashes
from decnet.fleet.catalog.vendors import MAC_VENDORS, vendor_of, vendor_weights
from decnet.fleet.errors import FleetConfigError
from decnet.fleet.hostnames import hostname_style_for, make_hostname
from decnet.fleet.rand import (
    decky_seed,
    derive_bytes,
    derive_choice,
    derive_int,
    derive_rng,
    new_seed,
    parse_seed,
)
from decnet.fleet.spec import (
    BACKENDS,
    DEFAULT_MUTATE_INTERVAL,
    CustomServiceSpec,
    DeckySpec,
    FleetSpec,
    check_name,
    normalize_mac,
    parse_ipv4,
    parse_network,
)

#: Service pools for deckies without an archetype (randomize_services, mutation), by OS profile.
DEFAULT_POOLS: dict[str, tuple[str, ...]] = {
    "linux": ("ssh", "http", "https", "ftp", "mysql", "postgres", "redis", "smtp", "snmp"),
    "windows": ("smb", "rdp", "vnc", "llmnr"),
    "windows_server": ("smb", "rdp", "ldap", "mssql", "http", "https", "ftp"),
    "bsd": ("ssh", "http", "https", "ftp", "smtp", "dns"),
    "embedded": ("telnet", "http", "snmp", "mqtt", "ftp"),
    "cisco": ("ssh", "telnet", "snmp", "http"),
}

MAX_DECKIES = 4096


class AddressPoolExhausted(ValueError):
    """The subnet has fewer free addresses than deckies to place."""

    def __init__(self, net: ipaddress.IPv4Network, needed: int, free: int) -> None:
        self.net, self.needed, self.free = net, needed, free
        super().__init__(
            f"{needed} deckies need addresses but only {free} are free in {net} "
            "(network, broadcast, gateway, excluded and already used addresses are skipped)"
        )


def parse_address_set(items: Iterable[str]) -> set[ipaddress.IPv4Address]:
    """Addresses from IPs, CIDRs (``10.0.0.0/28``) and ranges (``10.0.0.5-10.0.0.9``); ValueError if bad."""
    out: set[ipaddress.IPv4Address] = set()
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        if "/" in item:
            try:
                network = ipaddress.IPv4Network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item} is not an IPv4 CIDR") from None
            if network.prefixlen < 16:
                raise ValueError(f"{item} is too large; exclude at most a /16 per item")
            out.update(network)
        elif "-" in item:
            first_s, _, last_s = item.partition("-")
            first, last = parse_ipv4(first_s), parse_ipv4(last_s)
            if int(last) < int(first) or int(last) - int(first) > 1 << 16:
                raise ValueError(f"{item} is not a valid address range")
            out.update(ipaddress.IPv4Address(i) for i in range(int(first), int(last) + 1))
        else:
            out.add(parse_ipv4(item))
    return out


def reserved_addresses(
    net: ipaddress.IPv4Network, gateway: ipaddress.IPv4Address
) -> set[ipaddress.IPv4Address]:
    """Addresses of ``net`` no decky may take: network, broadcast (for /30 and wider) and the gateway."""
    reserved = {gateway}
    if net.prefixlen < 31:
        reserved |= {net.network_address, net.broadcast_address}
    return reserved


def free_addresses(
    net: ipaddress.IPv4Network,
    gateway: ipaddress.IPv4Address,
    limit: int,
    *,
    start: ipaddress.IPv4Address | None = None,
    exclude: Iterable[ipaddress.IPv4Address] = (),
) -> list[ipaddress.IPv4Address]:
    """Up to ``limit`` free addresses of ``net`` in ascending order from ``start``."""
    taken = reserved_addresses(net, gateway) | set(exclude)
    first = int(net.network_address) if start is None else max(int(net.network_address), int(start))
    out: list[ipaddress.IPv4Address] = []
    for value in range(first, int(net.broadcast_address) + 1):
        if len(out) == limit:
            break
        address = ipaddress.IPv4Address(value)
        if address not in taken:
            out.append(address)
    return out


def allocate_ips(
    net: ipaddress.IPv4Network | str,
    count: int,
    *,
    gateway: ipaddress.IPv4Address | str,
    start: ipaddress.IPv4Address | str | None = None,
    exclude: Iterable[ipaddress.IPv4Address | str] = (),
) -> list[str]:
    """``count`` free addresses of ``net`` in ascending order from ``start`` (default: the first host).

    Skips the network and broadcast addresses, the gateway and everything in ``exclude`` (the
    host's own addresses, addresses in use, addresses already given to other deckies).
    Raises :class:`AddressPoolExhausted` if there are not enough.
    """
    network = parse_network(net) if isinstance(net, str) else net
    gw = parse_ipv4(gateway) if isinstance(gateway, str) else gateway
    first = parse_ipv4(start) if isinstance(start, str) else start
    excluded = {parse_ipv4(a) if isinstance(a, str) else a for a in exclude}
    out = free_addresses(network, gw, count, start=first, exclude=excluded)
    if len(out) < count:
        raise AddressPoolExhausted(network, count, len(out))
    return [str(a) for a in out]


def choose_mac(seed: bytes, os_profile: str, role: str = "", taken: Iterable[str] = ()) -> str:
    """A MAC with a vendor OUI plausible for the OS profile and role, from ``seed``, not in ``taken``."""
    weights = vendor_weights(os_profile, role)
    used = {m.lower() for m in taken}
    total = sum(w for _, w in weights)
    for attempt in range(1000):
        pick = derive_int(seed, f"mac:vendor:{attempt}", total)
        key = weights[-1][0]
        for candidate, weight in weights:
            if pick < weight:
                key = candidate
                break
            pick -= weight
        vendor = MAC_VENDORS[key]
        oui = derive_choice(seed, f"mac:oui:{attempt}", vendor.ouis)
        tail = derive_bytes(seed, f"mac:nic:{attempt}")[:3]
        mac = (oui + ":" + ":".join(f"{b:02x}" for b in tail)).lower()
        if mac not in used:
            return mac
    raise ValueError("could not find a free MAC address")  # pragma: no cover - 1000 collisions


def random_services(
    pool: Sequence[str], seed: bytes, label: str = "services", *, different_from: Iterable[str] | None = None
) -> list[str] | None:
    """1-3 services drawn from ``pool`` by ``seed``; with ``different_from``, a set unlike that one.

    Returns None when no such set exists (a pool of one service that is already running).
    """
    unique = list(dict.fromkeys(pool))
    current = set(different_from) if different_from is not None else None
    if not unique:
        return None
    rng = derive_rng(seed, label)
    for _ in range(64):
        count = rng.randint(1, min(3, len(unique)))
        chosen = rng.sample(unique, count)
        if port_clashes(chosen):
            continue  # e.g. smtp and smtp_relay: one decky cannot listen twice on port 25
        if current is None or set(chosen) != current:
            return [s for s in unique if s in chosen]  # in pool order
    return None


def pool_for(archetype: str | None, os_profile: str) -> tuple[str, ...]:
    """The service pool of an archetype (or of the OS profile when there is no archetype)."""
    if archetype is not None:
        return ARCHETYPES[archetype].pool
    return DEFAULT_POOLS.get(os_profile, DEFAULT_POOLS["linux"])


def mutation_services(decky: DeckySpec, seed: bytes) -> list[str] | None:
    """A new service set for ``decky`` (1-3 from its pool, different from its current set), or None.

    ``seed`` should change per mutation (e.g. derived from the decky seed and a mutation count).
    Custom services stay: they are appended to the drawn set.
    """
    builtin = decky.builtin_services
    chosen = random_services(pool_for(decky.archetype, decky.os_profile), seed, different_from=builtin)
    if chosen is None:
        return None
    return chosen + [s for s in decky.services if s not in SERVICES]


@dataclass
class DeckyDraft:
    """What the INI or CLI says about one decky before the planner fills in the rest."""

    name: str
    where: str  #: where it was declared, for messages ("fleet.ini [web]", "--deckies")
    index: int = 0  #: position among deckies drawn from one declaration (cycles the distro list)
    ip: str | None = None
    services: list[str] | None = None
    randomize_services: bool = False
    service_config: dict[str, dict[str, str]] = field(default_factory=dict)
    custom_services: list[CustomServiceSpec] = field(default_factory=list)
    os_profile: str | None = None
    distros: list[str] = field(default_factory=list)
    randomize_distros: bool = False
    archetype: str | None = None
    mutate_interval: int | None = None
    hostname: str | None = None
    mac: str | None = None
    host: str | None = None
    seed: bytes | None = None
    #: key names as the declaration spells them, for messages
    keys: dict[str, str] = field(default_factory=dict)
    #: name of the declaration (an ``amount`` group) when it is not the decky's own
    group: str | None = None
    #: service slug -> where its config was given ("fleet.ini [web.http]"), for messages
    service_where: dict[str, str] = field(default_factory=dict)

    def key(self, name: str) -> str:
        """``where`` plus the key ``name`` as it was spelled (``--services``, ``services``)."""
        spelled = self.keys.get(name, name)
        return f"{self.where} {spelled}" if not spelled.startswith("-") else spelled


@dataclass
class FleetDraft:
    """Fleet-wide parameters before planning."""

    where: str  #: "fleet.ini [general]" or "deploy"
    net: str
    gateway: str | None = None
    interface: str | None = None
    backend: str = "docker"
    mode: str = "unihost"
    ipvlan: bool = False
    mutate_interval: int = DEFAULT_MUTATE_INTERVAL
    seed: bytes | None = None
    ip_start: str | None = None
    exclude: list[str] = field(default_factory=list)
    custom_services: list[CustomServiceSpec] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)

    def key(self, name: str) -> str:
        """How fleet key ``name`` is named in messages."""
        spelled = self.keys.get(name, name)
        return f"{self.where} {spelled}" if not spelled.startswith("-") else spelled


def build_fleet(fleet: FleetDraft, drafts: Sequence[DeckyDraft]) -> FleetSpec:
    """Turn drafts into a validated :class:`FleetSpec`; raise :class:`FleetConfigError` with every problem."""
    problems: list[str] = []

    def bad(message: str) -> None:
        problems.append(message)

    try:
        net = parse_network(fleet.net)
    except ValueError as exc:
        raise FleetConfigError(f"{fleet.key('net')}: {exc}") from None
    gateway = net.network_address + 1 if net.prefixlen < 31 else net.network_address
    if fleet.gateway is not None:
        try:
            gateway = parse_ipv4(fleet.gateway)
            if gateway not in net:
                bad(f"{fleet.key('gateway')}: {gateway} is outside {net}")
        except ValueError as exc:
            bad(f"{fleet.key('gateway')}: {exc}")
    if fleet.backend not in BACKENDS:
        bad(
            f"{fleet.key('backend')}: unknown backend {fleet.backend!r}; "
            f"expected one of {', '.join(BACKENDS)}"
        )
    if fleet.mode not in ("unihost", "swarm"):
        bad(f"{fleet.key('mode')}: unknown mode {fleet.mode!r}; expected unihost or swarm")
    if fleet.mutate_interval < 0:
        bad(f"{fleet.key('mutate_interval')}: {fleet.mutate_interval} is negative; expected minutes >= 0")
    try:
        excluded = parse_address_set(fleet.exclude)
    except ValueError as exc:
        bad(f"{fleet.key('exclude')}: {exc}")
        excluded = set()
    start: ipaddress.IPv4Address | None = None
    if fleet.ip_start is not None:
        try:
            start = parse_ipv4(fleet.ip_start)
            if start not in net:
                bad(f"{fleet.key('ip_start')}: {start} is outside {net}")
        except ValueError as exc:
            bad(f"{fleet.key('ip_start')}: {exc}")
    if len(drafts) > MAX_DECKIES:
        bad(f"{fleet.where}: {len(drafts)} deckies; at most {MAX_DECKIES} are supported")
    fleet_seed = fleet.seed if fleet.seed is not None else new_seed()

    # Names.
    names: dict[str, DeckyDraft] = {}
    for draft in drafts:
        try:
            check_name(draft.name, "decky name")
        except ValueError as exc:
            bad(f"{draft.where}: {exc}")
        other = names.setdefault(draft.name.lower(), draft)
        if other is not draft:
            bad(f"{draft.where}: decky name {draft.name} is also declared by {other.where}")

    # Explicit addresses first, then allocation for the rest.
    reserved = reserved_addresses(net, gateway)
    used: dict[ipaddress.IPv4Address, DeckyDraft] = {}
    for draft in drafts:
        if draft.ip is None:
            continue
        try:
            ip = parse_ipv4(draft.ip)
        except ValueError as exc:
            bad(f"{draft.key('ip')}: {exc}")
            continue
        if ip not in net:
            bad(f"{draft.key('ip')}: {ip} is outside the subnet {net}")
        elif ip == gateway:
            bad(f"{draft.key('ip')}: {ip} is the gateway")
        elif ip in reserved:
            bad(f"{draft.key('ip')}: {ip} is the network or broadcast address of {net}")
        elif ip in excluded:
            bad(f"{draft.key('ip')}: {ip} is excluded (in use or the host's own address)")
        elif ip in used:
            bad(f"{draft.key('ip')}: {ip} collides with {used[ip].where}")
        else:
            used[ip] = draft
    ips: dict[int, str] = {id(d): str(ip) for ip, d in used.items()}
    pending = [d for d in drafts if d.ip is None]
    if pending:
        allocated = free_addresses(net, gateway, len(pending), start=start, exclude=excluded | set(used))
        for draft, address in zip(pending, allocated, strict=False):
            ips[id(draft)] = str(address)
        if len(allocated) < len(pending):
            culprit = pending[len(allocated)]
            where = culprit.key("amount") if "amount" in culprit.keys else culprit.where
            exhausted = AddressPoolExhausted(net, len(pending), len(allocated))
            bad(f"{where}: no free address left for {culprit.name}: {exhausted}")

    # Per-decky choices.
    deckies: list[DeckySpec] = []
    macs: set[str] = set()
    hostnames: set[str] = set()
    for draft in drafts:
        spec = _resolve(draft, fleet, fleet_seed, ips.get(id(draft)), macs, hostnames, bad)
        if spec is not None:
            deckies.append(spec)
    if problems:  # deckies of one declaration share their problems: report each once
        raise FleetConfigError(*dict.fromkeys(problems))
    try:
        return FleetSpec(
            net=str(net),
            gateway=str(gateway),
            interface=fleet.interface,
            backend=fleet.backend,
            mode=fleet.mode,
            ipvlan=fleet.ipvlan,
            mutate_interval=fleet.mutate_interval,
            seed=fleet_seed.hex(),
            deckies=deckies,
            custom_services=fleet.custom_services,
        )
    except ValidationError as exc:
        raise FleetConfigError(*(f"{fleet.where}: {e['msg']}" for e in exc.errors())) from None


def _resolve(
    draft: DeckyDraft,
    fleet: FleetDraft,
    fleet_seed: bytes,
    ip: str | None,
    macs: set[str],
    hostnames: set[str],
    bad: Callable[[str], None],
) -> DeckySpec | None:
    """Fill in one decky; report problems through ``bad`` and return None if it cannot be built."""
    count = 0

    def fail(message: str) -> None:
        nonlocal count
        count += 1
        bad(message)

    seed = draft.seed if draft.seed is not None else decky_seed(fleet_seed, draft.name)
    archetype: Archetype | None = None
    if draft.archetype is not None:
        archetype = ARCHETYPES.get(draft.archetype)
        if archetype is None:
            fail(
                f"{draft.key('archetype')}: unknown archetype {draft.archetype!r} "
                f"(known: {', '.join(ARCHETYPES)})"
            )
    os_profile = draft.os_profile or (archetype.os_profile if archetype else "linux")
    if os_profile not in OS_PROFILES:
        fail(f"{draft.key('os')}: unknown OS profile {os_profile!r} (known: {', '.join(OS_PROFILES)})")
        os_profile = "linux"

    unknown = [d for d in draft.distros if d not in DISTROS]
    if unknown:
        fail(f"{draft.key('distro')}: unknown distro {unknown[0]!r} (known: {', '.join(DISTROS)})")
    if draft.distros and not draft.randomize_distros:
        distro = draft.distros[draft.index % len(draft.distros)]
    else:
        choices = tuple(draft.distros) or (
            archetype.distro_choices() if archetype else default_distros(os_profile)
        )
        distro = derive_choice(seed, "distro", choices)

    custom_names = {c.name for c in fleet.custom_services}
    services: list[str] = []
    given = [_canonical_service(s, custom_names) for s in draft.services or ()]
    for slug in given:
        if slug not in SERVICES and slug not in custom_names:
            fail(
                f"{draft.key('services')}: unknown service {slug!r} "
                f"(built-in: {', '.join(SERVICES)}; or define [custom-{slug}])"
            )
    dupes = sorted({s for s in given if given.count(s) > 1})
    if dupes:
        fail(f"{draft.key('services')}: {', '.join(dupes)} listed twice")
    if draft.services is not None and not draft.services:
        fail(f"{draft.key('services')}: empty; list at least one service")
    if draft.services and not draft.randomize_services:
        services = given
    elif draft.randomize_services:
        pool = given or pool_for(draft.archetype if archetype else None, os_profile)
        services = random_services(pool, seed) or []
    elif archetype is not None:
        services = list(archetype.services)
    else:
        fail(f"{draft.where}: no services; give services = ..., an archetype, or randomize services")
    if draft.randomize_services:  # config sections apply to the deckies that drew that service
        service_config = {k: dict(v) for k, v in draft.service_config.items() if k in services}
    else:
        service_config = {k: dict(v) for k, v in draft.service_config.items()}
        for slug in sorted(set(draft.service_config) - set(services)):
            label = draft.service_where.get(slug, draft.where)
            fail(
                f"{label}: {draft.group or draft.name} does not run {slug} (services: {', '.join(services)})"
            )

    mac = None
    if draft.mac is not None:
        try:
            mac = normalize_mac(draft.mac)
            if mac in macs:
                fail(f"{draft.key('mac')}: {mac} is used by another decky")
        except ValueError as exc:
            fail(f"{draft.key('mac')}: {exc}")
    role = archetype.role if archetype else ""
    if mac is None:
        mac = choose_mac(seed, os_profile, role, macs)
    macs.add(mac)

    vendor = vendor_of(mac)
    if draft.hostname is not None:
        hostname = draft.hostname
        if hostname.lower() in hostnames:
            fail(f"{draft.key('hostname')}: {hostname} is used by another decky")
    else:
        style = hostname_style_for(
            os_profile,
            DISTROS[distro].hostname_style if distro in DISTROS else "generic",
            vendor.key if vendor else None,
            role,
        )
        hostname = make_hostname(
            style, seed, words=archetype.words if archetype else (), taken=hostnames, mac=mac
        )
    hostnames.add(hostname.lower())

    if count or ip is None:
        return None
    custom = [c for c in fleet.custom_services if c.name in services]
    try:
        return DeckySpec(
            name=draft.name,
            ip=ip,
            mac=mac,
            hostname=hostname,
            distro=distro,
            os_profile=os_profile,
            archetype=draft.archetype,
            services=services,
            service_config=service_config,
            custom_services=custom,
            mutate_interval=draft.mutate_interval
            if draft.mutate_interval is not None
            else fleet.mutate_interval,
            seed=seed.hex(),
            backend=fleet.backend if fleet.backend in BACKENDS else "docker",
            host=draft.host,
        )
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(p) for p in error["loc"])
            bad(f"{draft.key(loc) if loc else draft.where}: {error['msg'].removeprefix('Value error, ')}")
        return None


def _canonical_service(name: str, custom_names: set[str]) -> str:
    name = name.strip()
    if name.startswith("custom-") and name[len("custom-") :] in custom_names:
        return name[len("custom-") :]
    return name


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """``"a, b"`` or ``["a", "b,c"]`` -> ``["a", "b", "c"]`` (empty items dropped)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def plan_fleet(
    *,
    deckies: int,
    subnet: str,
    gateway: str | None = None,
    interface: str | None = None,
    ip_start: str | None = None,
    services: str | Sequence[str] | None = None,
    randomize_services: bool = False,
    distros: str | Sequence[str] | None = None,
    randomize_distros: bool = False,
    archetype: str | None = None,
    os_profile: str | None = None,
    mutate_interval: int = DEFAULT_MUTATE_INTERVAL,
    backend: str = "docker",
    mode: str = "unihost",
    ipvlan: bool = False,
    seed: str | bytes | None = None,
    host_addresses: Iterable[str] = (),
    in_use: Iterable[str] = (),
    name_prefix: str = "decky",
) -> FleetSpec:
    """Plan a fleet from the ``decnet deploy`` flags; raise :class:`FleetConfigError` naming the bad flag.

    ``deckies`` deckies named ``{name_prefix}-01`` ... get consecutive free addresses of
    ``subnet`` from ``ip_start``, skipping network, broadcast, ``gateway`` (default: the first
    host), ``host_addresses`` and ``in_use``. Services are ``services`` for every decky, or 1-3
    drawn per decky (``randomize_services``, from ``services`` or the archetype's pool), or the
    archetype's. Distros cycle through ``distros``, or are drawn per decky (``randomize_distros``,
    or when none are given). The same ``seed`` gives the same plan.
    """
    problems: list[str] = []
    if deckies < 1:
        problems.append(f"--deckies: {deckies}; expected at least 1")
    if archetype is not None and archetype not in ARCHETYPES:
        problems.append(f"--archetype: unknown archetype {archetype!r} (known: {', '.join(ARCHETYPES)})")
    service_list = split_list(services)
    distro_list = split_list(distros)
    if not service_list and not randomize_services and archetype is None:
        problems.append("--services: no services; give --services a,b, --randomize-services or --archetype")
    fleet_seed: bytes | None = None
    if seed is not None:
        try:
            fleet_seed = parse_seed(seed)
        except ValueError as exc:
            problems.append(f"--seed: {exc}")
    if problems:
        raise FleetConfigError(*problems)
    keys = {
        "ip": "--ip-start",
        "services": "--services",
        "distro": "--distro",
        "archetype": "--archetype",
        "os": "--os",
        "amount": "--deckies",
    }
    fleet = FleetDraft(
        where="deploy",
        net=subnet,
        gateway=gateway,
        interface=interface,
        backend=backend,
        mode=mode,
        ipvlan=ipvlan,
        mutate_interval=mutate_interval,
        seed=fleet_seed,
        ip_start=ip_start,
        exclude=[*host_addresses, *in_use],
        keys={
            "net": "--subnet",
            "gateway": "--gateway",
            "backend": "--backend",
            "mode": "--mode",
            "mutate_interval": "--mutate-interval",
            "ip_start": "--ip-start",
            "exclude": "--exclude",
        },
    )
    width = max(2, len(str(deckies)))
    drafts = [
        DeckyDraft(
            name=f"{name_prefix}-{i + 1:0{width}d}",
            where="--deckies",
            index=i,
            services=service_list or None,
            randomize_services=randomize_services,
            os_profile=os_profile,
            distros=distro_list,
            randomize_distros=randomize_distros,
            archetype=archetype,
            keys=keys,
        )
        for i in range(deckies)
    ]
    return build_fleet(fleet, drafts)


def assign_hosts(fleet: FleetSpec, hosts: Sequence[str]) -> FleetSpec:
    """A copy of ``fleet`` with unassigned deckies spread round-robin over ``hosts`` (swarm mode)."""
    if not hosts:
        return fleet
    deckies = []
    index = 0
    for decky in fleet.deckies:
        if decky.host is None:
            decky = decky.model_copy(update={"host": hosts[index % len(hosts)]})
            index += 1
        deckies.append(decky)
    return fleet.model_copy(update={"deckies": deckies})
