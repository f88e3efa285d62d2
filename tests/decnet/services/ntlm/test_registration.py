"""smb, rdp, vnc and ldap are registered built-ins whose default ports are the catalog's."""

from __future__ import annotations

import pytest

import decnet.services.builtin  # noqa: F401  (registers the built-in packages)
from decnet.fleet.catalog.services import SERVICES
from decnet.services.registry import get_service


@pytest.mark.parametrize("slug", ["smb", "rdp", "vnc", "ldap"])
def test_registered_with_catalog_ports(slug: str) -> None:
    cls = get_service(slug)
    assert cls.slug == slug
    assert cls.default_ports == SERVICES[slug].tcp_ports
    cls.config_model.model_validate({})  # every option has a default
