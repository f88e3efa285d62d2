"""What the catalogs allow a decky to show: banners its platform (distro, Windows release,
device) really ships, whatever the persona happens to say."""

from __future__ import annotations

import re
from collections.abc import Iterable

from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.catalog.platforms import Platform
from decnet.fleet.catalog.vendors import vendor_of
from decnet.fleet.personas import platform_for
from decnet.fleet.spec import DeckySpec

_PLACEHOLDER = re.compile(r"\\\{[a-z_]+\\\}")


def expected_platform(spec: DeckySpec) -> Platform:
    """The platform a decky's persona is built from."""
    role = ARCHETYPES[spec.archetype].role if spec.archetype else ""
    return platform_for(spec.os_profile, spec.distro, role, vendor_of(spec.mac), spec.seed_bytes)


def _matches(templates: Iterable[str], text: str) -> bool:
    for template in templates:
        pattern = _PLACEHOLDER.sub(".+", re.escape(template))
        if re.fullmatch(pattern, text):
            return True
    return False


def ssh_banner_fits(spec: DeckySpec, banner: str) -> bool:
    """True if ``banner`` is an identification string the decky's platform ships."""
    return _matches(expected_platform(spec).ssh_banners, banner)


def http_server_fits(spec: DeckySpec, server: str) -> bool:
    """True if ``server`` is a Server header one of the platform's web servers sends."""
    return _matches((s for h in expected_platform(spec).http for s in h.servers), server)


def platform_label(spec: DeckySpec) -> str:
    """A short name of the decky's platform for evidence texts."""
    return f"{spec.os_profile}/{spec.distro} ({expected_platform(spec).key})"
