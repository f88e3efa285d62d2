"""Rows for ``decnet services | distros | archetypes | os-profiles`` (a list of JSON-safe dicts each)."""

from __future__ import annotations

from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.catalog.distros import DISTROS
from decnet.fleet.catalog.os_profiles import OS_PROFILES
from decnet.fleet.catalog.services import SERVICES


def services_rows() -> list[dict[str, str]]:
    """One row per built-in service: slug, default ports (``"445, 139"``, ``"69/udp"``), description."""
    return [
        {"slug": s.slug, "ports": ", ".join(str(p) for p in s.ports), "description": s.description}
        for s in SERVICES.values()
    ]


def distros_rows() -> list[dict[str, str]]:
    """One row per distro: slug, image, hostname style, newest release and example banners."""
    rows = []
    for d in DISTROS.values():
        http = ", ".join(h.servers[-1] for h in d.platform.http)
        rows.append(
            {
                "slug": d.slug,
                "image": d.image,
                "hostname_style": d.hostname_style,
                "name": d.latest.pretty_name,
                "ssh_banner": d.platform.ssh_banners[-1],
                "http_server": http,
            }
        )
    return rows


def archetypes_rows() -> list[dict[str, str]]:
    """One row per archetype: slug, services, preferred distros, OS profile, mutation pool."""
    return [
        {
            "slug": a.slug,
            "description": a.description,
            "services": ", ".join(a.services),
            "preferred_distros": ", ".join(a.preferred_distros) or "any",
            "os_profile": a.os_profile,
            "pool": ", ".join(a.pool),
        }
        for a in ARCHETYPES.values()
    ]


def os_profiles_rows() -> list[dict[str, str]]:
    """One row per OS profile: slug, family, description and each sysctl."""
    return [
        {"slug": p.slug, "os_family": p.os_family, "description": p.description, **p.sysctls()}
        for p in OS_PROFILES.values()
    ]
