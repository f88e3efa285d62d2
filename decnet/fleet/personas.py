"""Personas: who a decky pretends to be, derived from its spec and seed.

:func:`derive_persona` is a pure function of the :class:`~decnet.fleet.spec.DeckySpec` (and of
the date, for the boot time, which only moves at a simulated reboot): every runtime restart
gets the same persona, and two deckies get different ones.

Coherence rules:

- the *platform* (distro, Windows release, device model) follows the OS profile, the distro,
  the archetype's device class and the MAC vendor (an HP MAC on a printer makes an HP printer);
- every version comes from one *patch level* drawn from the seed, so a well-patched host is
  well patched everywhere; the running kernel is never newer than the installed packages;
- ``version_roll`` (bumped by the mutator) re-rolls the patch level within the distro, while
  the kernel and boot time (which only change at a reboot) stay;
- the hardware (CPU, memory) follows the MAC vendor: VMware NICs get VM-sized machines;
- every banner names the OS family of the profile (:func:`banner_os_families`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.catalog.distros import DISTROS, os_release
from decnet.fleet.catalog.hardware import HARDWARE, Cpu
from decnet.fleet.catalog.os_profiles import OS_PROFILES
from decnet.fleet.catalog.platforms import (
    BSD_PLATFORMS,
    CISCO_PLATFORMS,
    WINDOWS_PLATFORMS,
    Platform,
    embedded_platforms,
)
from decnet.fleet.catalog.vendors import MacVendor, vendor_of
from decnet.fleet.persona import Persona
from decnet.fleet.persona import persona_from_dict as persona_from_dict  # re-export
from decnet.fleet.persona import persona_to_dict as persona_to_dict  # re-export
from decnet.fleet.rand import derive_choice, derive_float, derive_int
from decnet.fleet.spec import DeckySpec

T = TypeVar("T")

#: Boot cycles are laid out from this date (plus a per-seed phase).
REFERENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
MIN_UPTIME = timedelta(days=3)
#: Reboot periods are drawn from this range (days); uptime stays within 3 .. 3 + period.
PERIOD_DAYS = (30, 196)


def platform_for(os_profile: str, distro: str, role: str, vendor: MacVendor | None, seed: bytes) -> Platform:
    """The platform a persona is built from (see the module docstring)."""
    if os_profile in WINDOWS_PLATFORMS:
        return derive_choice(seed, "platform", WINDOWS_PLATFORMS[os_profile])
    if os_profile == "bsd":
        return derive_choice(seed, "platform", BSD_PLATFORMS)
    if os_profile == "cisco":
        return derive_choice(seed, "platform", CISCO_PLATFORMS)
    if os_profile == "embedded":
        candidates = embedded_platforms(role)
        if vendor is not None:
            made_by = tuple(p for p in candidates if vendor.key in p.vendors)
            if made_by:
                return derive_choice(seed, "platform", made_by)
        generic = tuple(p for p in candidates if not p.vendors)
        return derive_choice(seed, "platform", generic or candidates)
    return DISTROS[distro].platform


def patch_levels(seed: bytes, version_roll: int = 0) -> tuple[float, float]:
    """(kernel level, package level) in [0, 1): 0 is the oldest catalog entry, 1 the newest.

    Packages are never older than the running kernel; the kernel level depends on the seed only.
    """
    kernel = derive_float(seed, "patch:kernel")
    packages = kernel + (1.0 - kernel) * derive_float(seed, f"patch:packages:{version_roll}")
    return kernel, packages


def _at(options: Sequence[T], level: float) -> T:
    return options[min(int(level * len(options)), len(options) - 1)]


def boot_time(seed: bytes, now: datetime | None = None) -> datetime:
    """When the decky last "booted": 3-199 days ago, stable until its next simulated reboot.

    The seed gives a reboot period (30-196 days) and a phase from :data:`REFERENCE_EPOCH`
    (the seed's reference date); the boot time is the last reboot at least 3 days before ``now``.
    """
    now = now or datetime.now(UTC)
    low, high = PERIOD_DAYS
    period = timedelta(days=low + derive_int(seed, "uptime:period", high - low + 1))
    anchor = REFERENCE_EPOCH + period * derive_float(seed, "uptime:phase")
    anchor = anchor.replace(microsecond=0)
    booted = anchor + period * math.floor((now - anchor) / period)
    if now - booted < MIN_UPTIME:
        booted -= period
    return booted


def _hardware_kind(os_profile: str, role: str, vendor: MacVendor | None) -> str:
    kinds = vendor.kinds if vendor is not None else ()
    if os_profile == "embedded":
        if role == "printer":
            return "printer"
        if role == "ics":
            return "plc"
        return "sbc" if "sbc" in kinds else "iot"
    if os_profile == "cisco":
        return "network"
    if "vm" in kinds:
        return "vm"
    if os_profile == "windows":
        return "pc"
    return "server" if "server" in kinds else "vm"


def _serial(seed: bytes, pattern: str) -> str:
    out = []
    for i, char in enumerate(pattern):
        if char == "#":
            out.append(str(derive_int(seed, f"serial:{i}", 10)))
        elif char == "@":
            out.append("ABCDEFGHJKLMNPQRSTUVWXYZ"[derive_int(seed, f"serial:{i}", 24)])
        else:
            out.append(char)
    return "".join(out)


def _windows_cpu(cpu: Cpu) -> str:
    arch = "AMD64" if cpu.vendor == "amd" else "Intel64"
    return f"{arch} Family {cpu.family} Model {cpu.model} Stepping {cpu.stepping}"


def derive_persona(spec: DeckySpec, *, now: datetime | None = None) -> Persona:
    """The persona of ``spec``: stable across calls and restarts, distinct across deckies.

    Hostname, MAC and IP come from the spec; everything else from ``spec.seed`` (and
    ``spec.version_roll`` for banner versions). ``now`` only matters for the boot time.
    An explicit ``server_header`` in the decky's http/https config becomes its Server header.
    """
    seed = spec.seed_bytes
    profile = OS_PROFILES[spec.os_profile]
    role = ARCHETYPES[spec.archetype].role if spec.archetype else ""
    vendor = vendor_of(spec.mac)
    platform = platform_for(spec.os_profile, spec.distro, role, vendor, seed)
    kernel_level, level = patch_levels(seed, spec.version_roll)

    release = _at(platform.releases, level)
    kernel = _at(platform.kernels, kernel_level)
    serial = _serial(seed, platform.serial_format) if platform.serial_format else ""

    def fill(text: str) -> str:
        return (
            text.replace("{serial}", serial).replace("{kernel}", kernel).replace("{hostname}", spec.hostname)
        )

    total = sum(h.weight for h in platform.http)
    pick = derive_int(seed, "http:flavour", total)
    http = platform.http[-1]
    for candidate in platform.http:
        if pick < candidate.weight:
            http = candidate
            break
        pick -= candidate.weight
    http_flavour, http_server = http.flavour, fill(_at(http.servers, level))
    for slug in ("http", "https"):
        header = spec.service_config.get(slug, {}).get("server_header")
        if header:
            http_server = header
            lowered = header.lower()
            for prefix, flavour in (("nginx", "nginx"), ("apache", "apache"), ("microsoft-iis", "iis")):
                if lowered.startswith(prefix):
                    http_flavour = flavour
            break

    kind = HARDWARE[_hardware_kind(spec.os_profile, role, vendor)]
    cpu = derive_choice(seed, "hw:cpu", kind.cpus)
    if kind.counts:
        cpu_count = derive_choice(seed, "hw:count", kind.counts)
    else:
        cpu_count = cpu.threads * derive_choice(seed, "hw:sockets", kind.sockets)
    mem_kb = derive_choice(seed, "hw:mem", kind.mem_mb) * 1024
    mem_kb -= int(mem_kb * (0.02 + 0.015 * derive_float(seed, "hw:reserved")))

    versions: dict[str, str] = {name: fill(_at(values, level)) for name, values in platform.products}
    if serial:
        versions["serial"] = serial
    if profile.os_family == "windows":
        _, _, build, ubr = kernel.split(".")
        versions["windows_version"] = "10.0"
        versions["windows_build"] = build
        versions["windows_ubr"] = ubr
        versions["sysdescr"] = (
            f"Hardware: {_windows_cpu(cpu)} AT/AT COMPATIBLE - Software: Windows Version 6.3 "
            f"(Build {build} {'Multiprocessor' if cpu_count > 1 else 'Uniprocessor'} Free)"
        )
    elif profile.os_family == "cisco":
        versions["sysdescr"] = (
            f"{release.pretty_name}\r\nTechnical Support: http://www.cisco.com/techsupport\r\n"
            "Copyright (c) 1986-2023 by Cisco Systems, Inc."
        )

    return Persona(
        decky=spec.name,
        seed=seed,
        hostname=spec.hostname,
        ip=spec.ip,
        mac=spec.mac,
        os_profile=spec.os_profile,
        os_family=profile.os_family,
        distro=spec.distro,
        distro_name=release.pretty_name,
        kernel=kernel,
        arch=platform.arch,
        ssh_banner=_at(platform.ssh_banners, level),
        ssh_auth_fail_delay_s=platform.ssh_auth_fail_delay_s,
        http_server=http_server,
        http_flavour=http_flavour,
        booted_at=boot_time(seed, now),
        cpu_model=cpu.model_name,
        cpu_count=cpu_count,
        mem_total_kb=mem_kb,
        versions=tuple(versions.items()),
    )


def persona_os_release(persona: Persona) -> dict[str, str]:
    """``/etc/os-release`` fields of a Linux persona (empty for other families)."""
    distro = DISTROS.get(persona.distro)
    if persona.os_family != "linux" or distro is None:
        return {}
    for release in distro.platform.releases:
        if release.pretty_name == persona.distro_name:
            return os_release(distro, release)
    return os_release(distro, distro.latest)


# --- Banner coherence --------------------------------------------------------------------------

_FAMILY_MARKERS: dict[str, re.Pattern[str]] = {
    "linux": re.compile(
        r"ubuntu|debian|centos|rocky linux|fedora|red ?hat|kali|arch linux|alpine|\.el[6-9]", re.IGNORECASE
    ),
    "windows": re.compile(r"windows|microsoft|\biis\b", re.IGNORECASE),
    "bsd": re.compile(r"freebsd|openbsd|netbsd", re.IGNORECASE),
    "cisco": re.compile(r"cisco", re.IGNORECASE),
    "embedded": re.compile(
        r"dropbear|busybox|openwrt|jetdirect|hp http server|jd ftp|debut/|virata|rompager|km-mfp|"
        r"xerox|canon|kyocera|brother|simatic|siemens|schneider|modicon|boa/|goahead",
        re.IGNORECASE,
    ),
}


def banner_os_families(text: str) -> set[str]:
    """The OS families a banner names (``"nginx/1.18.0 (Ubuntu)"`` -> ``{"linux"}``; neutral -> empty)."""
    return {family for family, marker in _FAMILY_MARKERS.items() if marker.search(text)}


def persona_banners(persona: Persona) -> dict[str, str]:
    """Every string of a persona an attacker can read, by name (for coherence checks)."""
    banners = {
        "distro_name": persona.distro_name,
        "ssh_banner": persona.ssh_banner,
        "http_server": persona.http_server,
    }
    banners.update({f"versions.{k}": v for k, v in persona.versions})
    return banners


def incoherent_banners(persona: Persona) -> dict[str, set[str]]:
    """Banners that name an OS family other than the persona's, with the families they name."""
    out: dict[str, set[str]] = {}
    for name, text in persona_banners(persona).items():
        other = banner_os_families(text) - {persona.os_family}
        if other:
            out[name] = other
    return out


# --- Serialisation -----------------------------------------------------------------------------
