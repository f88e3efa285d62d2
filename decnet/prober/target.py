"""A decky as the prober sees it: its spec, the persona it should show, and how to reach it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decnet.db.models import Decky
from decnet.engine.reconcile import FLEET_KEY
from decnet.fleet.catalog.services import SERVICES
from decnet.fleet.persona import Persona
from decnet.fleet.personas import derive_persona
from decnet.fleet.spec import DeckySpec


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    """One decky to probe."""

    spec: DeckySpec
    persona: Persona
    interface: str | None  #: parent interface of the decoy LAN (netns/docker); None on local
    link_kind: str  #: "macvlan" | "ipvlan"

    @property
    def name(self) -> str:
        """The decky's name."""
        return self.spec.name

    @property
    def ip(self) -> str:
        """The address services answer on."""
        return self.spec.ip

    def tcp_ports(self, slug: str) -> tuple[int, ...]:
        """The TCP ports service ``slug`` listens on (its config's ``ports``, else its defaults)."""
        for cus in self.spec.custom_services:
            if cus.name == slug:
                return tuple(cus.ports)
        info = SERVICES.get(slug)
        if info is None or not info.tcp_ports:
            return ()  # unknown, or UDP only
        custom = _config_ports(self.spec.service_config.get(slug, {}).get("ports"))
        return custom or info.tcp_ports

    def udp_ports(self, slug: str) -> tuple[int, ...]:
        """The UDP ports of service ``slug`` (its config's ``ports`` if it is a UDP-only service)."""
        info = SERVICES.get(slug)
        if info is None or not info.udp_ports:
            return ()
        custom = _config_ports(self.spec.service_config.get(slug, {}).get("ports"))
        return custom if custom and not info.tcp_ports else info.udp_ports

    def declared_ports(self) -> set[int]:
        """Every TCP port the decky should have open."""
        return {port for slug in self.spec.services for port in self.tcp_ports(slug)}


def _config_ports(raw: Any) -> tuple[int, ...]:
    """Ports from a raw service config value ("2222", "80, 8080" or a list); bad items ignored."""
    items = raw if isinstance(raw, list | tuple) else str(raw or "").replace(",", " ").split()
    out = []
    for item in items:
        try:
            port = int(item)
        except (TypeError, ValueError):
            continue
        if 1 <= port <= 65535:
            out.append(port)
    return tuple(out)


def target_of(row: Decky) -> ProbeTarget:
    """The probe target of a stored decky; ``ValueError`` if its spec cannot be read."""
    record = dict(row.spec) if isinstance(row.spec, dict) else {}
    context = record.pop(FLEET_KEY, None) or {}
    spec = DeckySpec.model_validate(record)
    link = "ipvlan" if context.get("ipvlan") else "macvlan"
    interface = context.get("interface") if spec.backend != "local" else None
    return ProbeTarget(spec, derive_persona(spec), interface, link)
