"""Archetypes: ready-made roles for deckies (SPEC "Archetypes").

An archetype gives a decky its default services, its OS profile, the distros it prefers and
the pool the mutator draws 1-3 services from.
"""

from __future__ import annotations

from dataclasses import dataclass

from decnet.fleet.catalog.distros import SERVER_DISTROS


@dataclass(frozen=True, slots=True)
class Archetype:
    """A decky role."""

    slug: str
    description: str
    services: tuple[str, ...]
    preferred_distros: tuple[str, ...]  #: as SPEC.md lists them; empty = no preference
    os_profile: str
    pool: tuple[str, ...]  #: services the mutator may rotate in (a superset of ``services``)
    role: str = ""  #: device class for embedded profiles ("printer", "iot", "ics") and hostnames
    words: tuple[str, ...] = ()  #: hostname words typical of the role

    def distro_choices(self) -> tuple[str, ...]:
        """The distros a decky of this archetype is drawn from when none is given."""
        return self.preferred_distros or default_distros(self.os_profile)


def default_distros(os_profile: str) -> tuple[str, ...]:
    """Distros drawn from when neither the decky nor its archetype names one.

    Linux and BSD get the common server distros; for Windows, devices and Cisco the distro is
    only the base image of the decky's container.
    """
    if os_profile in {"windows", "windows_server"}:
        return ("debian", "ubuntu22")
    if os_profile in {"embedded", "cisco"}:
        return ("alpine", "debian")
    return SERVER_DISTROS


ARCHETYPES: dict[str, Archetype] = {
    a.slug: a
    for a in (
        Archetype(
            "windows-workstation",
            "Windows 10/11 desktop in an office",
            ("smb", "rdp"),
            ("debian", "ubuntu22"),
            "windows",
            ("smb", "rdp", "vnc", "llmnr"),
            words=("desktop", "ws", "pc", "laptop", "fin", "hr", "sales", "ops"),
        ),
        Archetype(
            "windows-server",
            "Windows Server member server",
            ("smb", "rdp", "ldap"),
            (),
            "windows_server",
            ("smb", "rdp", "ldap", "mssql", "http", "https", "ftp"),
            words=("app", "file", "sql", "print", "rds", "web", "erp"),
        ),
        Archetype(
            "domain-controller",
            "Active Directory domain controller",
            ("ldap", "smb", "rdp", "llmnr"),
            (),
            "windows_server",
            ("ldap", "smb", "rdp", "llmnr", "dns"),
            words=("dc", "ad", "adds", "corpdc"),
        ),
        Archetype(
            "linux-server",
            "general-purpose Linux server",
            ("ssh", "http"),
            ("debian", "ubuntu22", "rocky9", "fedora"),
            "linux",
            ("ssh", "http", "https", "ftp", "mysql", "postgres", "redis"),
            words=("app", "srv", "node", "svc", "util", "batch"),
        ),
        Archetype(
            "web-server",
            "web server with FTP uploads",
            ("http", "ftp"),
            (),
            "linux",
            ("http", "https", "ftp", "ssh"),
            words=("web", "www", "portal", "cms", "shop", "intranet"),
        ),
        Archetype(
            "database-server",
            "database host",
            ("mysql", "postgres", "redis"),
            (),
            "linux",
            ("mysql", "postgres", "redis", "mongodb", "elasticsearch", "ssh"),
            words=("db", "sql", "data", "pg", "cache", "mysql"),
        ),
        Archetype(
            "mail-server",
            "mail server",
            ("smtp", "pop3", "imap"),
            (),
            "linux",
            ("smtp", "smtp_relay", "pop3", "imap", "ssh"),
            words=("mail", "mx", "smtp", "relay", "exch"),
        ),
        Archetype(
            "file-server",
            "file server",
            ("smb", "ftp", "ssh"),
            (),
            "linux",
            ("smb", "ftp", "ssh", "tftp"),
            words=("files", "nas", "share", "backup", "store"),
        ),
        Archetype(
            "printer",
            "network printer",
            ("snmp", "ftp"),
            ("alpine", "debian"),
            "embedded",
            ("snmp", "ftp", "http"),
            role="printer",
            words=("printer", "print", "mfp", "copier", "prn"),
        ),
        Archetype(
            "iot-device",
            "IoT gateway or sensor",
            ("mqtt", "snmp", "telnet"),
            ("alpine",),
            "embedded",
            ("mqtt", "snmp", "telnet", "http"),
            role="iot",
            words=("sensor", "gateway", "cam", "hvac", "iot", "meter"),
        ),
        Archetype(
            "industrial-control",
            "PLC on an industrial network",
            ("ics", "snmp"),
            (),
            "embedded",
            ("ics", "snmp", "http"),
            role="ics",
            words=("plc", "hmi", "scada", "line", "pump", "rtu"),
        ),
        Archetype(
            "voip-server",
            "VoIP PBX",
            ("sip",),
            (),
            "linux",
            ("sip", "ssh", "http"),
            words=("pbx", "voip", "sip", "phone", "tel"),
        ),
        Archetype(
            "monitoring-node",
            "monitoring host",
            ("snmp", "ssh"),
            (),
            "linux",
            ("snmp", "ssh", "http", "elasticsearch"),
            words=("mon", "nagios", "zabbix", "metrics", "log"),
        ),
        Archetype(
            "devops-host",
            "CI/container host",
            ("docker_api", "ssh", "k8s"),
            (),
            "linux",
            ("docker_api", "ssh", "k8s", "http", "redis"),
            words=("build", "ci", "k8s", "docker", "runner", "jenkins"),
        ),
        Archetype(
            "deaddeck",
            "Linux box with a real interactive SSH entry point",
            ("ssh",),
            (),
            "linux",
            ("ssh",),
            words=("jump", "bastion", "dev", "admin", "ops"),
        ),
    )
}


def get_archetype(slug: str) -> Archetype:
    """The archetype ``slug``; ``KeyError`` naming the known ones if there is none."""
    try:
        return ARCHETYPES[slug]
    except KeyError:
        raise KeyError(f"unknown archetype {slug!r} (known: {', '.join(ARCHETYPES)})") from None
