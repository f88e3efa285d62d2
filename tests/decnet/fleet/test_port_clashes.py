"""Two services of one decky never claim the same port: the spec refuses it, random draws avoid it."""

from __future__ import annotations

import pytest

from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.catalog.services import port_clashes
from decnet.fleet.errors import FleetConfigError
from decnet.fleet.ini import parse_fleet_ini
from decnet.fleet.planner import random_services

BASE = "[general]\nnet = 10.0.0.0/24\n\n[mail]\nip = 10.0.0.5\nservices = smtp, smtp_relay\n"


def test_clashes_are_named() -> None:
    assert port_clashes(["smtp", "smtp_relay"]) == ["25/tcp: smtp, smtp_relay", "587/tcp: smtp, smtp_relay"]
    assert port_clashes(["ssh", "http", "dns"]) == []  # dns's own 53/udp and 53/tcp do not clash
    assert port_clashes(["smtp", "smtp_relay"], {"smtp_relay": "2525, 2587"}) == []
    assert port_clashes(["http", "elasticsearch"], {"elasticsearch": [80]}) == ["80/tcp: http, elasticsearch"]


def test_a_clashing_deployment_is_refused_with_the_fix() -> None:
    with pytest.raises(FleetConfigError, match=r"25/tcp: smtp, smtp_relay.*ports = "):
        parse_fleet_ini(BASE)
    fleet = parse_fleet_ini(BASE + "\n[mail.smtp_relay]\nports = 2525, 2587\n")
    assert fleet.deckies[0].services == ["smtp", "smtp_relay"]


@pytest.mark.parametrize("slug", sorted(ARCHETYPES))
def test_random_draws_never_clash(slug: str) -> None:
    pool = ARCHETYPES[slug].pool
    for n in range(200):
        chosen = random_services(pool, n.to_bytes(4, "big") * 8)
        assert chosen is not None and port_clashes(chosen) == [], (slug, chosen)
