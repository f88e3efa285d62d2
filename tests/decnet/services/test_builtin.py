"""Every built-in service package registers, loads, and is a catalog service."""

from __future__ import annotations

import decnet.services.builtin as builtin
from decnet.fleet.catalog.services import SERVICES
from decnet.services.registry import get_service, known_slugs


def test_every_package_registers_and_loads() -> None:
    slugs = builtin.builtin_packages()
    assert {"http", "https", "ssh"} <= set(slugs)
    assert set(slugs) <= set(known_slugs())
    for slug in slugs:
        cls = get_service(slug)
        assert cls.slug == slug
        catalog_tcp = set(SERVICES[slug].tcp_ports)
        catalog_udp = set(SERVICES[slug].udp_ports)
        assert set(cls.default_ports) <= catalog_tcp | catalog_udp, slug
