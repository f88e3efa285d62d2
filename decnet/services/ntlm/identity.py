"""The names and OS version a decky gives in its NTLM CHALLENGE, from its persona."""

from __future__ import annotations

from decnet.fleet.persona import Persona
from decnet.services.ntlm.ntlmssp import Identity

#: Domain of a Windows Server persona whose hostname has no suffix and no domain is configured.
DEFAULT_SERVER_DOMAIN = "corp.local"

#: What Samba puts in the VERSION field of its CHALLENGE (6.1, build 0).
SAMBA_VERSION = (6, 1, 0)


def netbios_name(name: str) -> str:
    """A NetBIOS name: the first DNS label, upper case, at most 15 characters."""
    return (name.split(".", 1)[0] or "HOST").upper()[:15]


def windows_version(persona: Persona) -> tuple[int, int, int]:
    """(major, minor, build) of a Windows persona (10.0.<build>)."""
    major, _, minor = persona.version_of("windows_version", "10.0").partition(".")
    build = persona.version_of("windows_build", "17763")
    try:
        return int(major), int(minor or 0), int(build) & 0xFFFF
    except ValueError:
        return 10, 0, 17763


def dns_domain(persona: Persona, configured: str = "") -> str:
    """The decky's DNS domain: hostname suffix, else ``configured``, else corp.local for Windows Server.

    Windows workstations and non-Windows hosts without either have none ('').
    """
    suffix = persona.hostname.partition(".")[2]
    default = DEFAULT_SERVER_DOMAIN if persona.os_profile == "windows_server" else ""
    return (suffix or configured or default).lower().strip(".")


def identity_for(persona: Persona, *, domain: str = "") -> Identity:
    """The NTLM identity of ``persona``.

    The DNS domain is :func:`dns_domain` (``domain`` is the operator's setting). A Windows
    host with a domain is domain-joined (target type domain, forest = domain); without one it is
    standalone and names itself as its own domain, as Windows does. Other OS families answer
    as Samba (a standalone server: NetBIOS domain = its NetBIOS name, Samba's 6.1.0 version).
    """
    label = persona.hostname.partition(".")[0] or "host"
    domain_name = dns_domain(persona, domain)
    nb_computer = netbios_name(label)
    if persona.os_family == "windows":
        if domain_name:
            return Identity(
                nb_computer=nb_computer,
                nb_domain=netbios_name(domain_name),
                dns_computer=f"{label}.{domain_name}",
                dns_domain=domain_name,
                dns_tree=domain_name,
                version=windows_version(persona),
                domain_joined=True,
            )
        return Identity(nb_computer, nb_computer, label, label, "", windows_version(persona), False)
    fqdn = f"{label}.{domain_name}".lower() if domain_name else label.lower()
    return Identity(nb_computer, nb_computer, fqdn, domain_name, "", SAMBA_VERSION, False)
