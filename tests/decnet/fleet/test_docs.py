"""docs/fleet.md and docs/ini.md stay true to the catalogs and the loader."""

from __future__ import annotations

import re
from pathlib import Path

from decnet.fleet.catalog import ARCHETYPES, DISTROS, OS_PROFILES, SERVICES
from decnet.fleet.ini import CUSTOM_KEYS, DECKY_KEYS, GENERAL_KEYS, parse_fleet_ini

DOCS = Path(__file__).resolve().parents[3] / "docs"
FLEET = (DOCS / "fleet.md").read_text("utf-8")
INI = (DOCS / "ini.md").read_text("utf-8")


def rows(text: str, first_cell: str, width: int | None = None) -> dict[str, list[str]]:
    """Table rows (of ``width`` cells) whose first cell matches ``first_cell``, keyed by that cell."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if width is not None and len(cells) != width:
            continue
        if line.startswith("|") and re.fullmatch(first_cell, cells[0]):
            out[cells[0].strip("`")] = cells[1:]
    return out


def test_sysctl_table() -> None:
    table = rows(FLEET, r"`net\.ipv4\.[a-z_]+`")
    assert len(table) == 9
    for key, values in table.items():
        assert values == [p.sysctls()[key] for p in OS_PROFILES.values()], key


def test_archetype_table() -> None:
    table = {k: v for k, v in rows(FLEET, r"`[a-z-]+`", 5).items() if k in ARCHETYPES}
    assert set(table) == set(ARCHETYPES)
    for slug, (services, preferred, profile, pool) in table.items():
        archetype = ARCHETYPES[slug]
        assert services == ", ".join(archetype.services)
        assert preferred == (", ".join(archetype.preferred_distros) or "—")
        assert profile == archetype.os_profile and pool == ", ".join(archetype.pool)


def test_distro_table() -> None:
    table = {k: v for k, v in rows(FLEET, r"`[a-z0-9]+`", 6).items() if k in DISTROS}
    assert set(table) == set(DISTROS)
    for slug, (image, style, _releases, ssh, _http) in table.items():
        platform = DISTROS[slug].platform
        assert image == f"`{DISTROS[slug].image}`" and style == DISTROS[slug].hostname_style
        assert f"`{platform.ssh_banners[0]}`" in ssh and f"`{platform.ssh_banners[-1]}`" in ssh


def test_services_table() -> None:
    found: dict[str, str] = {}
    for line in FLEET.splitlines():
        for slug, ports in re.findall(r"\| `([a-z_0-9]+)` \| ([0-9/a-z, ]+) \|", line):
            found[slug] = ports.strip()
    for slug, info in SERVICES.items():
        assert found.get(slug) == ", ".join(str(p) for p in info.ports), slug


def test_ini_doc_lists_every_key() -> None:
    for key in (*GENERAL_KEYS, *DECKY_KEYS, *CUSTOM_KEYS):
        assert f"`{key}`" in INI, key


def test_ini_doc_examples_parse() -> None:
    blocks = re.findall(r"```ini\n(.*?)```", INI, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        assert parse_fleet_ini(block, source="doc.ini").deckies
