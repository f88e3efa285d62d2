"""The built-in services DECNET can run on a decky, with their default ports (SPEC "Services")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class ServicePort:
    """One listening port of a service."""

    port: int
    proto: Literal["tcp", "udp"] = "tcp"

    def __str__(self) -> str:
        return str(self.port) if self.proto == "tcp" else f"{self.port}/{self.proto}"


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """A built-in service: slug, default ports and what an attacker meets."""

    slug: str
    ports: tuple[ServicePort, ...]
    description: str

    @property
    def tcp_ports(self) -> tuple[int, ...]:
        """Default TCP ports."""
        return tuple(p.port for p in self.ports if p.proto == "tcp")

    @property
    def udp_ports(self) -> tuple[int, ...]:
        """Default UDP ports."""
        return tuple(p.port for p in self.ports if p.proto == "udp")


def _svc(slug: str, ports: str, description: str) -> ServiceInfo:
    parsed: list[ServicePort] = []
    for item in ports.split(","):
        number, _, proto = item.strip().partition("/")
        parsed.append(ServicePort(int(number), "udp" if proto == "udp" else "tcp"))
    return ServiceInfo(slug, tuple(parsed), description)


SERVICES: dict[str, ServiceInfo] = {
    s.slug: s
    for s in (
        _svc("ssh", "22", "SSH with captured logins and an interactive fake shell"),
        _svc("telnet", "23", "Telnet login prompt and the same fake shell"),
        _svc("http", "80", "web server with the persona's Server header and fake apps"),
        _svc("https", "443", "http over TLS with a per-decky certificate"),
        _svc("ftp", "21", "FTP login dialogue and fake filesystem"),
        _svc("tftp", "69/udp", "TFTP read/write requests logged"),
        _svc("smb", "445, 139", "SMB2 negotiate and session setup; NTLMv2 captured"),
        _svc("rdp", "3389", "RDP connection request; optional NLA with NTLM capture"),
        _svc("vnc", "5900", "RFB 3.8 with VNC auth challenge/response captured"),
        _svc("smtp", "25, 587", "ESMTP dialogue; credentials and messages captured"),
        _svc("smtp_relay", "25, 587", "an open-relay SMTP persona"),
        _svc("imap", "143, 993", "IMAP4rev1 with a bait mailbox"),
        _svc("pop3", "110, 995", "POP3 with a bait mailbox"),
        _svc("ldap", "389, 636", "LDAP bind; DN and password captured"),
        _svc("llmnr", "5355/udp, 5353/udp", "LLMNR/mDNS queries and poisoning attempts logged"),
        _svc("dns", "53/udp, 53", "authoritative DNS; AXFR, tunnelling and amplification logged"),
        _svc("mysql", "3306", "MySQL handshake; username and auth response captured"),
        _svc("postgres", "5432", "PostgreSQL startup and MD5 challenge; response captured"),
        _svc("mssql", "1433", "TDS pre-login and LOGIN7; username captured"),
        _svc("mongodb", "27017", "MongoDB wire protocol hello, listDatabases, auth"),
        _svc("redis", "6379", "RESP with real Redis error formats; every command logged"),
        _svc("elasticsearch", "9200", "Elasticsearch REST root, _cat, _cluster, _nodes"),
        _svc("mqtt", "1883", "MQTT CONNECT, PUBLISH, SUBSCRIBE; credentials captured"),
        _svc("snmp", "161/udp", "SNMP v1/v2c get/getnext; community strings logged"),
        _svc("sip", "5060", "SIP REGISTER/INVITE with a 401 challenge; Authorization captured"),
        _svc("k8s", "6443, 8080", "Kubernetes API recon endpoints"),
        _svc("docker_api", "2375, 2376", "Docker Engine API recon endpoints"),
        _svc("ics", "502, 102", "Modbus/TCP and S7comm identification of an industrial device"),
    )
}


def is_builtin_service(slug: str) -> bool:
    """Whether ``slug`` names a built-in service."""
    return slug in SERVICES


def default_ports(slug: str) -> tuple[ServicePort, ...]:
    """The default ports of built-in service ``slug`` (``KeyError`` if unknown)."""
    return SERVICES[slug].ports


def _override_ports(value: object) -> list[int] | None:
    """Ports of a ``ports`` config override (``"25, 587"`` or a list); None if unreadable."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list | tuple) else None
    if items is None:
        return None
    ports = []
    for item in items:
        text = str(item).strip()
        if not text.isdigit():
            return None  # the service's own config check reports it
        ports.append(int(text))
    return ports


def port_clashes(slugs: Iterable[str], overrides: Mapping[str, object] | None = None) -> list[str]:
    """Ports two built-in services of one decky would both listen on (``"25/tcp: smtp, smtp_relay"``).

    ``overrides`` maps a slug to its ``ports`` config value, which replaces its defaults (on the
    default ports' protocols).
    """
    owners: dict[tuple[int, str], list[str]] = {}
    for slug in dict.fromkeys(slugs):
        info = SERVICES.get(slug)
        if info is None:
            continue
        listening = {(p.port, p.proto) for p in info.ports}
        override = _override_ports((overrides or {}).get(slug))
        if override is not None:
            protos = {p.proto for p in info.ports}
            listening = {(port, proto) for port in override for proto in protos}
        for key in sorted(listening):
            owners.setdefault(key, []).append(slug)
    clashes = sorted((key, who) for key, who in owners.items() if len(who) > 1)
    return [f"{port}/{proto}: {', '.join(who)}" for (port, proto), who in clashes]
