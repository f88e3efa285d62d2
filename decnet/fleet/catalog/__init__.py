"""Catalogs as data: services, OS profiles, distros, platforms, archetypes, MAC vendors, hardware."""

from decnet.fleet.catalog.archetypes import ARCHETYPES, Archetype, get_archetype
from decnet.fleet.catalog.distros import (
    DISTROS,
    HOSTNAME_STYLES,
    SERVER_DISTROS,
    Distro,
    get_distro,
    os_release,
    os_release_text,
)
from decnet.fleet.catalog.os_profiles import (
    OS_FAMILIES,
    OS_PROFILES,
    SYSCTL_KEYS,
    OsProfile,
    get_os_profile,
    sysctls_for,
)
from decnet.fleet.catalog.platforms import (
    BSD_PLATFORMS,
    CISCO_PLATFORMS,
    EMBEDDED_PLATFORMS,
    WINDOWS_PLATFORMS,
    HttpServer,
    Platform,
    Release,
)
from decnet.fleet.catalog.services import (
    SERVICES,
    ServiceInfo,
    ServicePort,
    default_ports,
    is_builtin_service,
)
from decnet.fleet.catalog.vendors import MAC_VENDORS, MacVendor, vendor_of

__all__ = [
    "ARCHETYPES",
    "BSD_PLATFORMS",
    "CISCO_PLATFORMS",
    "DISTROS",
    "EMBEDDED_PLATFORMS",
    "HOSTNAME_STYLES",
    "MAC_VENDORS",
    "OS_FAMILIES",
    "OS_PROFILES",
    "SERVER_DISTROS",
    "SERVICES",
    "SYSCTL_KEYS",
    "WINDOWS_PLATFORMS",
    "Archetype",
    "Distro",
    "HttpServer",
    "MacVendor",
    "OsProfile",
    "Platform",
    "Release",
    "ServiceInfo",
    "ServicePort",
    "default_ports",
    "get_archetype",
    "get_distro",
    "get_os_profile",
    "is_builtin_service",
    "os_release",
    "os_release_text",
    "sysctls_for",
    "vendor_of",
]
