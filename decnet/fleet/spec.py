"""``DeckySpec`` and ``FleetSpec``: the desired state of deckies, as the planner or INI loader made it.

Specs are plain pydantic models (JSON-safe, ``extra="forbid"``); a backend realises a
``DeckySpec`` and :func:`decnet.fleet.personas.derive_persona` turns it into the decky's persona.
Per-service config is kept raw here; each service class validates its own.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.catalog.distros import DISTROS
from decnet.fleet.catalog.os_profiles import OS_PROFILES, sysctls_for
from decnet.fleet.catalog.services import SERVICES, port_clashes

Backend = Literal["docker", "netns", "local"]
Mode = Literal["unihost", "swarm"]

BACKENDS: tuple[str, ...] = ("docker", "netns", "local")
#: Fleet default of ``mutate_interval`` (minutes; 0 = never mutate).
DEFAULT_MUTATE_INTERVAL = 30

#: Decky and custom-service names: a DNS label (also the events' HOSTNAME); no dots.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"
_NAME = re.compile(NAME_PATTERN)
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_HEX_SEED = re.compile(r"^[0-9a-f]{64}$")


def parse_ipv4(value: str) -> ipaddress.IPv4Address:
    """An IPv4 address; ``ValueError("... is not an IPv4 address")`` otherwise."""
    try:
        return ipaddress.IPv4Address(value.strip())
    except ValueError:
        raise ValueError(f"{value} is not an IPv4 address") from None


def parse_network(value: str) -> ipaddress.IPv4Network:
    """An IPv4 network in CIDR form; ``ValueError`` saying what is wrong otherwise."""
    text = value.strip()
    if "/" not in text:
        raise ValueError(f"{value} is not a CIDR; expected a network such as 192.168.1.0/24")
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            fixed = ipaddress.IPv4Network(text, strict=False)
            raise ValueError(f"{value} has host bits set; did you mean {fixed}?") from None
        raise ValueError(f"{value} is not an IPv4 CIDR; expected a network such as 192.168.1.0/24") from None


def normalize_mac(value: str) -> str:
    """``aa:bb:cc:dd:ee:ff`` from any case and ``:`` or ``-`` separators; ``ValueError`` otherwise."""
    mac = value.strip().lower().replace("-", ":")
    if not _MAC.match(mac):
        raise ValueError(f"{value} is not a MAC address; expected six hex pairs such as 00:50:56:12:34:56")
    if int(mac[:2], 16) & 1:
        raise ValueError(f"{value} is a multicast MAC address; the first octet must be even")
    return mac


def check_name(value: str, what: str = "name") -> str:
    """``value`` if it is a valid decky/custom-service name, else ``ValueError``."""
    if not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid {what}; expected letters, digits, '-' or '_' "
            "(at most 63, starting with a letter or digit, no dots)"
        )
    return value


def check_hostname(value: str) -> str:
    """``value`` if it is a valid RFC 1123 hostname, else ``ValueError``."""
    if not _HOSTNAME.match(value):
        raise ValueError(f"{value!r} is not a valid hostname")
    return value


class CustomServiceSpec(BaseModel):
    """A bring-your-own service (``[custom-NAME]``): an extra container in the decky's namespace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="NAME of [custom-NAME]; deckies list it in their services by NAME.")
    image: str = Field(min_length=1, description="Container image.")
    exec: str | None = Field(None, description="Command line to run instead of the image's default.")
    ports: list[int] = Field(min_length=1, description="TCP ports it listens on.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        check_name(value, "custom service name")
        if value in SERVICES:
            raise ValueError(f"custom service {value!r} has the name of a built-in service")
        return value

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: list[int]) -> list[int]:
        bad = [p for p in value if not 1 <= p <= 65535]
        if bad:
            raise ValueError(f"ports {bad} are out of range 1-65535")
        return value


class DeckySpec(BaseModel):
    """One decky: identity, OS, services and how often it mutates."""

    model_config = ConfigDict(extra="forbid")

    name: str
    ip: str
    mac: str
    hostname: str
    distro: str
    os_profile: str
    archetype: str | None = None
    services: list[str] = Field(min_length=1)
    #: service slug -> raw config keys (validated by the service class)
    service_config: dict[str, dict[str, str]] = Field(default_factory=dict)
    custom_services: list[CustomServiceSpec] = Field(default_factory=list)
    mutate_interval: int = Field(DEFAULT_MUTATE_INTERVAL, ge=0, description="Minutes; 0 = never.")
    seed: str = Field(
        description="64 hex digits (32 bytes); everything random about the decky derives from it."
    )
    backend: Backend = "docker"
    host: str | None = Field(None, description="Decky host it is assigned to (swarm), if any.")
    #: Bumped by the mutator to re-roll banner versions within the distro.
    version_roll: int = Field(0, ge=0)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, "decky name")

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        return str(parse_ipv4(value))

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str) -> str:
        return normalize_mac(value)

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str) -> str:
        return check_hostname(value)

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: str) -> str:
        value = value.lower()
        if not _HEX_SEED.match(value):
            raise ValueError("seed must be 64 hex digits (32 bytes)")
        return value

    @field_validator("distro")
    @classmethod
    def _distro(cls, value: str) -> str:
        if value not in DISTROS:
            raise ValueError(f"unknown distro {value!r} (known: {', '.join(DISTROS)})")
        return value

    @field_validator("os_profile")
    @classmethod
    def _os_profile(cls, value: str) -> str:
        if value not in OS_PROFILES:
            raise ValueError(f"unknown OS profile {value!r} (known: {', '.join(OS_PROFILES)})")
        return value

    @field_validator("archetype")
    @classmethod
    def _archetype(cls, value: str | None) -> str | None:
        if value is not None and value not in ARCHETYPES:
            raise ValueError(f"unknown archetype {value!r} (known: {', '.join(ARCHETYPES)})")
        return value

    @model_validator(mode="after")
    def _services(self) -> DeckySpec:
        custom = {c.name for c in self.custom_services}
        if len(custom) != len(self.custom_services):
            raise ValueError("custom_services has duplicate names")
        if len(set(self.services)) != len(self.services):
            raise ValueError(f"services {self.services} has duplicates")
        unknown = [s for s in self.services if s not in SERVICES and s not in custom]
        if unknown:
            raise ValueError(f"unknown services {unknown} (built-in: {', '.join(SERVICES)})")
        unused = sorted(custom - set(self.services))
        if unused:
            raise ValueError(f"custom_services {unused} are not in services")
        stray = sorted(set(self.service_config) - set(self.services))
        if stray:
            raise ValueError(f"service_config for {stray}, which the decky does not run")
        overrides = {slug: cfg["ports"] for slug, cfg in self.service_config.items() if "ports" in cfg}
        clashes = port_clashes(self.services, overrides)
        if clashes:
            raise ValueError(
                f"services {self.services} would listen on the same port ({'; '.join(clashes)}); "
                "give one of them other ports ([<decky>.<service>] ports = ...)"
            )
        return self

    @property
    def seed_bytes(self) -> bytes:
        """The 32-byte seed."""
        return bytes.fromhex(self.seed)

    @property
    def os_family(self) -> str:
        """The OS family of the decky's profile."""
        return OS_PROFILES[self.os_profile].os_family

    @property
    def builtin_services(self) -> list[str]:
        """The built-in services the decky runs (its runtime hosts these)."""
        return [s for s in self.services if s in SERVICES]

    def sysctls(self) -> dict[str, str]:
        """The sysctls of the decky's OS profile."""
        return sysctls_for(self.os_profile)


class FleetSpec(BaseModel):
    """A whole deployment: the decoy network and its deckies."""

    model_config = ConfigDict(extra="forbid")

    net: str = Field(description="Decoy subnet in CIDR form.")
    gateway: str
    interface: str | None = Field(None, description="Host interface the macvlan/ipvlan hangs off.")
    backend: Backend = "docker"
    mode: Mode = "unihost"
    ipvlan: bool = False
    mutate_interval: int = Field(DEFAULT_MUTATE_INTERVAL, ge=0, description="Fleet default, minutes.")
    seed: str = Field(description="Fleet seed, 64 hex digits; decky seeds derive from it and their names.")
    deckies: list[DeckySpec] = Field(default_factory=list)
    custom_services: list[CustomServiceSpec] = Field(default_factory=list)

    @field_validator("net")
    @classmethod
    def _net(cls, value: str) -> str:
        return str(parse_network(value))

    @field_validator("gateway")
    @classmethod
    def _gateway(cls, value: str) -> str:
        return str(parse_ipv4(value))

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: str) -> str:
        value = value.lower()
        if not _HEX_SEED.match(value):
            raise ValueError("seed must be 64 hex digits (32 bytes)")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> FleetSpec:
        net = ipaddress.IPv4Network(self.net)
        gateway = ipaddress.IPv4Address(self.gateway)
        problems: list[str] = []
        if gateway not in net:
            problems.append(f"gateway {gateway} is outside {net}")
        seen: dict[str, dict[str, str]] = {"name": {}, "ip": {}, "mac": {}, "hostname": {}}
        for decky in self.deckies:
            ip = ipaddress.IPv4Address(decky.ip)
            if ip not in net:
                problems.append(f"decky {decky.name}: ip {ip} is outside {net}")
            elif net.prefixlen < 31 and ip in (net.network_address, net.broadcast_address):
                problems.append(f"decky {decky.name}: ip {ip} is the network or broadcast address of {net}")
            if ip == gateway:
                problems.append(f"decky {decky.name}: ip {ip} is the gateway")
            for field, value in (
                ("name", decky.name.lower()),
                ("ip", decky.ip),
                ("mac", decky.mac),
                ("hostname", decky.hostname.lower()),
            ):
                other = seen[field].setdefault(value, decky.name)
                if other != decky.name:
                    problems.append(f"decky {decky.name}: {field} {value} is also used by {other}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def seed_bytes(self) -> bytes:
        """The 32-byte fleet seed."""
        return bytes.fromhex(self.seed)

    def decky(self, name: str) -> DeckySpec:
        """The decky called ``name``; ``KeyError`` if there is none."""
        for decky in self.deckies:
            if decky.name == name:
                return decky
        raise KeyError(f"no decky named {name!r}")

    def by_host(self) -> dict[str | None, list[DeckySpec]]:
        """Deckies grouped by assigned host (``None`` = not assigned)."""
        groups: dict[str | None, list[DeckySpec]] = {}
        for decky in self.deckies:
            groups.setdefault(decky.host, []).append(decky)
        return groups
