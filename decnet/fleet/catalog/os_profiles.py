"""OS profiles: the network stack a decky imitates, as sysctls of its namespace (SPEC "OS profiles")."""

from __future__ import annotations

from dataclasses import dataclass

#: The sysctls every profile sets, in the order of SPEC.md's table.
SYSCTL_KEYS: tuple[str, ...] = (
    "net.ipv4.ip_default_ttl",
    "net.ipv4.tcp_syn_retries",
    "net.ipv4.tcp_timestamps",
    "net.ipv4.tcp_window_scaling",
    "net.ipv4.tcp_sack",
    "net.ipv4.tcp_ecn",
    "net.ipv4.ip_no_pmtu_disc",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.icmp_ratelimit",
)


@dataclass(frozen=True, slots=True)
class OsProfile:
    """An OS profile: its family (what every banner must name) and its sysctl values."""

    slug: str
    os_family: str
    description: str
    values: tuple[int, ...]  #: one per :data:`SYSCTL_KEYS`

    def sysctls(self) -> dict[str, str]:
        """The sysctls of this profile, as ``{"net.ipv4.ip_default_ttl": "64", ...}``."""
        return {key: str(value) for key, value in zip(SYSCTL_KEYS, self.values, strict=True)}


OS_PROFILES: dict[str, OsProfile] = {
    p.slug: p
    for p in (
        OsProfile("linux", "linux", "Linux server", (64, 6, 1, 1, 1, 2, 0, 60, 1000)),
        OsProfile("windows", "windows", "Windows 10/11 workstation", (128, 2, 1, 1, 1, 0, 0, 30, 0)),
        OsProfile("windows_server", "windows", "Windows Server 2019/2022", (128, 2, 1, 1, 1, 1, 0, 30, 0)),
        OsProfile("bsd", "bsd", "FreeBSD server", (64, 6, 1, 1, 1, 0, 0, 60, 250)),
        OsProfile("embedded", "embedded", "printer, IoT or PLC firmware", (255, 3, 0, 0, 0, 0, 1, 15, 0)),
        OsProfile("cisco", "cisco", "Cisco IOS network device", (255, 2, 0, 0, 0, 0, 1, 15, 0)),
    )
}

#: Every OS family a profile can have.
OS_FAMILIES: tuple[str, ...] = ("linux", "windows", "bsd", "embedded", "cisco")


def get_os_profile(slug: str) -> OsProfile:
    """The OS profile ``slug``; ``KeyError`` naming the known ones if there is none."""
    try:
        return OS_PROFILES[slug]
    except KeyError:
        raise KeyError(f"unknown OS profile {slug!r} (known: {', '.join(OS_PROFILES)})") from None


def sysctls_for(profile: str) -> dict[str, str]:
    """The sysctl dict to apply to the network namespace of a decky with OS profile ``profile``."""
    return get_os_profile(profile).sysctls()
