"""The built-in services: every ``decnet/services/<slug>/`` package whose slug is in the catalog.

A service package is named after its slug and exposes ``SERVICE``; importing this module
registers each one with :func:`~decnet.services.registry.register_module` (the module itself
is imported only when a decky runs that service).
"""

from __future__ import annotations

import pkgutil
from pathlib import Path

from decnet.fleet.catalog.services import SERVICES
from decnet.services.registry import register_module

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_packages() -> list[str]:
    """Slugs of the catalog services that have a package under ``decnet/services``."""
    found = {info.name for info in pkgutil.iter_modules([str(_PACKAGE_DIR)]) if info.ispkg}
    return sorted(found & set(SERVICES))


for _slug in builtin_packages():
    register_module(_slug, f"decnet.services.{_slug}")
