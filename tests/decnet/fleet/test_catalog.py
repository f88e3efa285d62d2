"""The catalogs hold what SPEC.md promises (transcribed here), and their data is well-formed."""

from __future__ import annotations

import re

import pytest

from decnet.fleet.catalog import (
    ARCHETYPES,
    DISTROS,
    OS_PROFILES,
    SERVICES,
    get_archetype,
    get_distro,
    get_os_profile,
    os_release,
    os_release_text,
    sysctls_for,
)
from decnet.fleet.catalog.hardware import HARDWARE
from decnet.fleet.catalog.platforms import (
    BSD_PLATFORMS,
    CISCO_PLATFORMS,
    EMBEDDED_PLATFORMS,
    WINDOWS_PLATFORMS,
    Platform,
)
from decnet.fleet.catalog.vendors import MAC_VENDORS, VENDOR_WEIGHTS, vendor_of
from decnet.fleet.listing import archetypes_rows, distros_rows, os_profiles_rows, services_rows

SPEC_SERVICES = {
    "ssh": "22", "telnet": "23", "http": "80", "https": "443", "ftp": "21", "tftp": "69/udp",
    "smb": "445, 139", "rdp": "3389", "vnc": "5900", "smtp": "25, 587", "smtp_relay": "25, 587",
    "imap": "143, 993", "pop3": "110, 995", "ldap": "389, 636", "llmnr": "5355/udp, 5353/udp",
    "dns": "53", "mysql": "3306", "postgres": "5432", "mssql": "1433", "mongodb": "27017",
    "redis": "6379", "elasticsearch": "9200", "mqtt": "1883", "snmp": "161/udp", "sip": "5060",
    "k8s": "6443, 8080", "docker_api": "2375, 2376", "ics": "502, 102",
}  # fmt: skip

SPEC_SYSCTLS = """
| net.ipv4.ip_default_ttl | 64 | 128 | 128 | 64 | 255 | 255 |
| net.ipv4.tcp_syn_retries | 6 | 2 | 2 | 6 | 3 | 2 |
| net.ipv4.tcp_timestamps | 1 | 1 | 1 | 1 | 0 | 0 |
| net.ipv4.tcp_window_scaling | 1 | 1 | 1 | 1 | 0 | 0 |
| net.ipv4.tcp_sack | 1 | 1 | 1 | 1 | 0 | 0 |
| net.ipv4.tcp_ecn | 2 | 0 | 1 | 0 | 0 | 0 |
| net.ipv4.ip_no_pmtu_disc | 0 | 0 | 0 | 0 | 1 | 1 |
| net.ipv4.tcp_fin_timeout | 60 | 30 | 30 | 60 | 15 | 15 |
| net.ipv4.icmp_ratelimit | 1000 | 0 | 0 | 250 | 0 | 0 |
"""
SPEC_PROFILES = ("linux", "windows", "windows_server", "bsd", "embedded", "cisco")

SPEC_DISTROS = {
    "debian": ("debian:bookworm-slim", "generic"),
    "ubuntu22": ("ubuntu:22.04", "generic"),
    "ubuntu20": ("ubuntu:20.04", "generic"),
    "rocky9": ("rockylinux:9-minimal", "rhel"),
    "centos7": ("centos:7", "rhel"),
    "alpine": ("alpine:3.19", "minimal"),
    "fedora": ("fedora:39", "rhel"),
    "kali": ("kali-rolling", "rolling"),
    "arch": ("archlinux", "rolling"),
}

SPEC_ARCHETYPES = {
    "windows-workstation": (("smb", "rdp"), ("debian", "ubuntu22"), "windows"),
    "windows-server": (("smb", "rdp", "ldap"), (), "windows_server"),
    "domain-controller": (("ldap", "smb", "rdp", "llmnr"), (), "windows_server"),
    "linux-server": (("ssh", "http"), ("debian", "ubuntu22", "rocky9", "fedora"), "linux"),
    "web-server": (("http", "ftp"), (), "linux"),
    "database-server": (("mysql", "postgres", "redis"), (), "linux"),
    "mail-server": (("smtp", "pop3", "imap"), (), "linux"),
    "file-server": (("smb", "ftp", "ssh"), (), "linux"),
    "printer": (("snmp", "ftp"), ("alpine", "debian"), "embedded"),
    "iot-device": (("mqtt", "snmp", "telnet"), ("alpine",), "embedded"),
    "industrial-control": (("ics", "snmp"), (), "embedded"),
    "voip-server": (("sip",), (), "linux"),
    "monitoring-node": (("snmp", "ssh"), (), "linux"),
    "devops-host": (("docker_api", "ssh", "k8s"), (), "linux"),
    "deaddeck": (("ssh",), (), "linux"),
}


def test_services_match_spec() -> None:
    assert set(SERVICES) == set(SPEC_SERVICES)
    for slug, ports in SPEC_SERVICES.items():
        numbers = sorted(int(p.split("/")[0]) for p in ports.split(","))
        assert sorted({p.port for p in SERVICES[slug].ports}) == sorted(set(numbers)), slug
        for item in ports.split(","):
            number, _, proto = item.strip().partition("/")
            assert any(p.port == int(number) and p.proto == (proto or "tcp") for p in SERVICES[slug].ports)


def test_os_profiles_match_spec_table() -> None:
    assert tuple(OS_PROFILES) == SPEC_PROFILES
    for line in SPEC_SYSCTLS.strip().splitlines():
        key, *values = [cell.strip() for cell in line.strip("|").split("|")]
        for profile, value in zip(SPEC_PROFILES, values, strict=True):
            assert sysctls_for(profile)[key] == value, (profile, key)
    for profile in SPEC_PROFILES:
        assert len(sysctls_for(profile)) == 9


def test_distros_match_spec() -> None:
    assert set(DISTROS) == set(SPEC_DISTROS)
    for slug, (image, style) in SPEC_DISTROS.items():
        distro = DISTROS[slug]
        assert distro.image == image or distro.image.endswith("/" + image), slug
        assert distro.hostname_style == style


def test_archetypes_match_spec() -> None:
    assert set(ARCHETYPES) == set(SPEC_ARCHETYPES)
    for slug, (services, preferred, profile) in SPEC_ARCHETYPES.items():
        archetype = ARCHETYPES[slug]
        assert archetype.services == services
        assert archetype.preferred_distros == preferred
        assert archetype.os_profile == profile
        assert set(services) <= set(archetype.pool), slug
        assert set(archetype.pool) <= set(SERVICES)
        assert set(archetype.distro_choices()) <= set(DISTROS)


@pytest.mark.parametrize(
    ("slug", "banner"),
    [
        ("ubuntu22", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10"),
        ("debian", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
        ("rocky9", "SSH-2.0-OpenSSH_8.7"),
        ("alpine", "SSH-2.0-OpenSSH_9.6"),
        ("centos7", "SSH-2.0-OpenSSH_7.4"),
    ],
)
def test_known_ssh_banners(slug: str, banner: str) -> None:
    assert banner in DISTROS[slug].platform.ssh_banners


@pytest.mark.parametrize(
    ("slug", "server"),
    [
        ("ubuntu22", "nginx/1.18.0 (Ubuntu)"),
        ("debian", "Apache/2.4.57 (Debian)"),
        ("rocky9", "Apache/2.4.57 (Rocky Linux)"),
        ("centos7", "Apache/2.4.6 (CentOS)"),
        ("fedora", "Apache/2.4.62 (Fedora Linux)"),
    ],
)
def test_known_http_servers(slug: str, server: str) -> None:
    assert any(server in h.servers for h in DISTROS[slug].platform.http)


def _all_platforms() -> list[Platform]:
    return [
        *(d.platform for d in DISTROS.values()),
        *(p for ps in WINDOWS_PLATFORMS.values() for p in ps),
        *BSD_PLATFORMS,
        *CISCO_PLATFORMS,
        *EMBEDDED_PLATFORMS,
    ]


@pytest.mark.parametrize("platform", _all_platforms(), ids=lambda p: p.key)
def test_platform_data_is_well_formed(platform: Platform) -> None:
    assert platform.releases and platform.kernels and platform.ssh_banners and platform.http
    for banner in platform.ssh_banners:
        assert re.fullmatch(r"SSH-2\.0-\S+( \S+)?", banner), banner
    assert all(h.flavour in {"nginx", "apache", "iis", "embedded"} and h.weight > 0 for h in platform.http)
    assert all(values for _, values in platform.products)
    assert len({k for k, _ in platform.products}) == len(platform.products)
    assert all(v in MAC_VENDORS for v in platform.vendors)
    assert platform.ssh_auth_fail_delay_s >= 0


def test_linux_distros_ship_the_common_products() -> None:
    for distro in DISTROS.values():
        products = distro.platform.product_versions()
        for product in ("openssh", "openssl", "mysql", "postgresql", "redis", "vsftpd", "proftpd", "samba"):
            assert product in products, (distro.slug, product)
        assert distro.platform.ssh_auth_fail_delay_s >= 0
    assert DISTROS["debian"].platform.ssh_auth_fail_delay_s == pytest.approx(2.0)
    assert DISTROS["ubuntu22"].platform.ssh_auth_fail_delay_s == pytest.approx(2.0)


def test_debian_and_ubuntu_banners_carry_the_package_suffix() -> None:
    for slug in ("debian", "ubuntu22", "ubuntu20", "kali"):
        tag = "Ubuntu-" if slug.startswith("ubuntu") else "Debian-"
        assert all(tag in b for b in DISTROS[slug].platform.ssh_banners)
    for slug in ("rocky9", "centos7", "alpine", "fedora", "arch"):
        assert all(re.fullmatch(r"SSH-2\.0-OpenSSH_\d+\.\d+", b) for b in DISTROS[slug].platform.ssh_banners)


def test_windows_platforms_are_iis_and_openssh_for_windows() -> None:
    for platforms in WINDOWS_PLATFORMS.values():
        for platform in platforms:
            assert platform.os_family == "windows"
            assert [h.flavour for h in platform.http] == ["iis"]
            assert all(b.startswith("SSH-2.0-OpenSSH_for_Windows_") for b in platform.ssh_banners)
            assert all(re.fullmatch(r"10\.0\.\d{5}\.\d+", k) for k in platform.kernels)
    assert set(WINDOWS_PLATFORMS) == {"windows", "windows_server"}


def test_os_release() -> None:
    debian = DISTROS["debian"]
    fields = os_release(debian, debian.latest)
    assert fields["ID"] == "debian" and fields["VERSION_ID"] == "12"
    assert fields["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)"
    ubuntu = DISTROS["ubuntu22"]
    text = os_release_text(ubuntu, ubuntu.latest)
    assert 'PRETTY_NAME="Ubuntu 22.04.5 LTS"' in text
    assert "ID=ubuntu\n" in text and 'VERSION_ID="22.04"' not in text and "VERSION_ID=22.04\n" in text
    assert "BUILD_ID=rolling" in os_release_text(DISTROS["arch"], DISTROS["arch"].latest)


def test_lookups_name_the_known_values() -> None:
    assert get_distro("debian").slug == "debian"
    assert get_archetype("printer").role == "printer"
    assert get_os_profile("bsd").os_family == "bsd"
    with pytest.raises(KeyError, match="known: debian"):
        get_distro("gentoo")
    with pytest.raises(KeyError, match="unknown archetype"):
        get_archetype("nope")
    with pytest.raises(KeyError, match="unknown OS profile"):
        sysctls_for("plan9")


def test_vendors() -> None:
    assert vendor_of("00:50:56:aa:bb:cc") is MAC_VENDORS["vmware"]
    assert vendor_of("b8-27-eb-00-00-01") is MAC_VENDORS["raspberrypi"]
    assert vendor_of("02:00:00:00:00:01") is None
    for weights in VENDOR_WEIGHTS.values():
        assert all(key in MAC_VENDORS and w > 0 for key, w in weights)
    for vendor in MAC_VENDORS.values():
        assert all(re.fullmatch(r"[0-9A-F]{2}(:[0-9A-F]{2}){2}", o) for o in vendor.ouis)
        assert not int(vendor.ouis[0][:2], 16) & 1
    assert set(HARDWARE) >= {"vm", "server", "pc", "sbc", "printer", "plc", "network", "iot"}


def test_listing_rows() -> None:
    services = services_rows()
    assert [r["slug"] for r in services] == list(SERVICES)
    assert {r["slug"]: r["ports"] for r in services}["smb"] == "445, 139"
    assert {r["slug"]: r["ports"] for r in services}["tftp"] == "69/udp"
    distros = distros_rows()
    assert {r["slug"] for r in distros} == set(DISTROS)
    assert all(
        set(r) == {"slug", "image", "hostname_style", "name", "ssh_banner", "http_server"} for r in distros
    )
    archetypes = {r["slug"]: r for r in archetypes_rows()}
    assert archetypes["linux-server"]["services"] == "ssh, http"
    assert archetypes["web-server"]["preferred_distros"] == "any"
    profiles = {r["slug"]: r for r in os_profiles_rows()}
    assert profiles["windows"]["net.ipv4.ip_default_ttl"] == "128"
    for rows in (services, distros, list(archetypes.values()), list(profiles.values())):
        assert all(isinstance(v, str) for row in rows for v in row.values())
