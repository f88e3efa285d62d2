"""Hostnames in the style of the decky's distro or device, drawn from its seed, unique in a fleet.

Styles: ``generic`` ``SRV-WORD-nn``, ``rhel`` ``wordnn.localdomain``, ``minimal`` ``word-nn``,
``rolling`` ``word-word`` (SPEC), plus ``windows`` ``DESKTOP-XXXXXXX`` (a Windows install's
default name) and the printer defaults ``npi`` (HP, ``NPI`` + MAC tail) and ``brn``
(Brother, ``BRN`` + MAC).
"""

from __future__ import annotations

import string
from collections.abc import Collection, Sequence

from decnet.fleet.rand import derive_choice, derive_int

#: Every style :func:`make_hostname` knows.
STYLES: tuple[str, ...] = ("generic", "rhel", "minimal", "rolling", "windows", "npi", "brn")

#: Neutral server names.
WORDS: tuple[str, ...] = (
    "atlas", "orion", "vega", "nova", "lynx", "falcon", "hermes", "apollo", "zeus", "titan",
    "ember", "cedar", "maple", "birch", "aspen", "willow", "onyx", "cobalt", "argon", "neon",
    "polaris", "rigel", "sirius", "draco", "hydra", "phoenix", "kestrel", "osprey", "raven", "heron",
    "granite", "basalt", "quartz", "delta", "sigma", "omega", "gamma", "kappa", "lambda", "zephyr",
    "mercury", "saturn", "juno", "ceres", "pluto", "castor", "pollux", "tango", "echo", "bravo",
)  # fmt: skip

#: Adjectives for the ``rolling`` style (``silent-falcon``).
ADJECTIVES: tuple[str, ...] = (
    "silent", "rapid", "amber", "frozen", "hidden", "lucky", "quiet", "rusty", "shiny", "sleepy",
    "bold", "brave", "calm", "clever", "crimson", "dusty", "eager", "fuzzy", "gentle", "happy",
)  # fmt: skip

_ALNUM = string.ascii_uppercase + string.digits


def _word(seed: bytes, label: str, words: Sequence[str]) -> str:
    # Half the time a word typical of the role (when there is one), else a neutral one.
    if words and derive_int(seed, label + ":role", 2) == 0:
        return derive_choice(seed, label + ":w", words)
    return derive_choice(seed, label + ":w", WORDS)


def _mac_hex(mac: str | None, seed: bytes, label: str) -> str:
    if mac:
        return mac.replace(":", "").replace("-", "").upper()
    return "".join(derive_choice(seed, f"{label}:{i}", "0123456789ABCDEF") for i in range(12))


def _candidate(style: str, seed: bytes, label: str, words: Sequence[str], mac: str | None) -> str:
    n = 1 + derive_int(seed, label + ":n", 40)
    if style == "generic":
        return f"SRV-{_word(seed, label, words).upper()}-{n:02d}"
    if style == "rhel":
        return f"{_word(seed, label, words)}{n:02d}.localdomain"
    if style == "minimal":
        return f"{_word(seed, label, words)}-{n:02d}"
    if style == "rolling":
        return f"{derive_choice(seed, label + ':adj', ADJECTIVES)}-{_word(seed, label, words)}"
    if style == "windows":
        return "DESKTOP-" + "".join(derive_choice(seed, f"{label}:{i}", _ALNUM) for i in range(7))
    if style == "npi":
        return "NPI" + _mac_hex(mac, seed, label)[-6:]
    if style == "brn":
        return "BRN" + _mac_hex(mac, seed, label)
    raise ValueError(f"unknown hostname style {style!r} (known: {', '.join(STYLES)})")


def make_hostname(
    style: str,
    seed: bytes,
    *,
    words: Sequence[str] = (),
    taken: Collection[str] = (),
    mac: str | None = None,
) -> str:
    """A hostname of ``style`` drawn from ``seed`` that is not in ``taken`` (compared without case).

    ``words`` are role words mixed with the neutral ones (e.g. ``db``, ``mail``); ``mac`` feeds
    the printer styles. The same arguments always give the same name.
    """
    lowered = {t.lower() for t in taken}
    for attempt in range(200):
        name = _candidate(style, seed, f"hostname:{attempt}", words, mac)
        if name.lower() not in lowered:
            return name
    base = _candidate(style, seed, "hostname:0", words, mac)
    host, dot, domain = base.partition(".")
    suffix = 2
    while f"{host}-{suffix}{dot}{domain}".lower() in lowered:
        suffix += 1
    return f"{host}-{suffix}{dot}{domain}"


def hostname_style_for(os_profile: str, distro_style: str, vendor: str | None = None, role: str = "") -> str:
    """The hostname style of a decky: Windows and printers have their own, the rest follow the distro."""
    if os_profile == "windows":
        return "windows"
    if os_profile == "windows_server":
        return "generic"
    if os_profile == "embedded":
        if role == "printer" and vendor == "hp":
            return "npi"
        if role == "printer" and vendor == "brother":
            return "brn"
        return "minimal"
    if os_profile == "cisco":
        return "minimal"
    return distro_style
