"""Registry of service emulators by slug."""

from __future__ import annotations

import importlib

from decnet.services.base import Service

#: slug -> module implementing it (imported on first use, so a decky loads only what it runs).
_MODULES: dict[str, str] = {}
_LOADED: dict[str, type[Service]] = {}


def register_module(slug: str, module: str) -> None:
    """Declare that ``module`` implements the service ``slug`` (its ``SERVICE`` attribute)."""
    _MODULES[slug] = module


def known_slugs() -> list[str]:
    """Every service slug DECNET can run."""
    return sorted(_MODULES)


def get_service(slug: str) -> type[Service]:
    """The Service class of ``slug``; ``KeyError`` naming the known slugs if there is none."""
    if slug not in _LOADED:
        if slug not in _MODULES:
            raise KeyError(f"unknown service {slug!r} (known: {', '.join(known_slugs()) or 'none'})")
        cls = importlib.import_module(_MODULES[slug]).SERVICE
        if not (isinstance(cls, type) and issubclass(cls, Service)) or cls.slug != slug:
            raise TypeError(f"{_MODULES[slug]}.SERVICE is not the Service class of {slug!r}")
        _LOADED[slug] = cls
    return _LOADED[slug]
