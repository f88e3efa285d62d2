"""Hostname styles, determinism and uniqueness."""

from __future__ import annotations

import re

import pytest

from decnet.fleet.hostnames import STYLES, hostname_style_for, make_hostname
from decnet.fleet.rand import parse_seed

PATTERNS = {
    "generic": r"SRV-[A-Z]+-\d{2}",
    "rhel": r"[a-z]+\d{2}\.localdomain",
    "minimal": r"[a-z]+-\d{2}",
    "rolling": r"[a-z]+-[a-z]+",
    "windows": r"DESKTOP-[A-Z0-9]{7}",
    "npi": r"NPI[0-9A-F]{6}",
    "brn": r"BRN[0-9A-F]{12}",
}


@pytest.mark.parametrize("style", STYLES)
def test_style_shapes(style: str) -> None:
    for i in range(50):
        name = make_hostname(style, parse_seed(f"s{i}"), words=("db", "web"))
        assert re.fullmatch(PATTERNS[style], name), name


def test_printer_names_follow_the_mac() -> None:
    seed = parse_seed("p")
    assert make_hostname("npi", seed, mac="3c:d9:2b:12:ab:ef") == "NPI12ABEF"
    assert make_hostname("brn", seed, mac="00:80:77:01:02:03") == "BRN008077010203"


def test_deterministic_and_seed_dependent() -> None:
    seed = parse_seed("fleet-a")
    assert make_hostname("generic", seed) == make_hostname("generic", seed)
    names = {make_hostname("rolling", parse_seed(f"x{i}")) for i in range(40)}
    assert len(names) > 30


@pytest.mark.parametrize("style", ["generic", "rhel", "minimal", "rolling"])
def test_unique_across_a_fleet(style: str) -> None:
    taken: set[str] = set()
    for i in range(300):
        name = make_hostname(style, parse_seed(f"d{i}"), taken=taken)
        assert name.lower() not in {t.lower() for t in taken}
        taken.add(name)
    assert len(taken) == 300


def test_taken_name_is_redrawn() -> None:
    seed = parse_seed("same")
    first = make_hostname("minimal", seed)
    assert make_hostname("minimal", seed, taken={first.upper()}) != first


def test_exhausted_candidates_get_a_suffix() -> None:
    seed = parse_seed("tiny")
    # Every draw of the npi style is the same name, so the second one needs a suffix.
    first = make_hostname("npi", seed, mac="3c:d9:2b:00:00:01")
    second = make_hostname("npi", seed, mac="3c:d9:2b:00:00:01", taken={first})
    assert second == f"{first}-2"


def test_unknown_style() -> None:
    with pytest.raises(ValueError, match="unknown hostname style"):
        make_hostname("fancy", parse_seed("x"))


def test_style_for_profiles() -> None:
    assert hostname_style_for("linux", "rhel") == "rhel"
    assert hostname_style_for("windows", "generic") == "windows"
    assert hostname_style_for("windows_server", "rolling") == "generic"
    assert hostname_style_for("embedded", "generic", "hp", "printer") == "npi"
    assert hostname_style_for("embedded", "generic", "brother", "printer") == "brn"
    assert hostname_style_for("embedded", "generic", "siemens", "ics") == "minimal"
    assert hostname_style_for("cisco", "generic") == "minimal"
