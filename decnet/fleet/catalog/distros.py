"""Linux distros a decky can be built on, with the versions each really ships (SPEC "Distros").

Banners follow the distro: the OpenSSH package suffix (Debian and Ubuntu patch sshd to print
``OpenSSH_8.9p1 Ubuntu-3ubuntu0.10``; upstream, RHEL, Alpine and Arch print ``OpenSSH_9.6``),
the nginx/Apache Server header as the distro's packages print it, and the versions of the
other servers as they report themselves (``SELECT VERSION()``, ``server_version``, ...).
Lists are oldest first (see :mod:`decnet.fleet.catalog.platforms`).
"""

from __future__ import annotations

from dataclasses import dataclass

from decnet.fleet.catalog.platforms import HttpServer, Platform, Release, products

#: Hostname styles (SPEC): generic ``SRV-WORD-nn``, rhel ``wordnn.localdomain``,
#: minimal ``word-nn``, rolling ``word-word``.
HOSTNAME_STYLES: tuple[str, ...] = ("generic", "rhel", "minimal", "rolling")


@dataclass(frozen=True, slots=True)
class Distro:
    """A Linux distro: base image, hostname style, ``/etc/os-release`` identity and its platform."""

    slug: str
    image: str
    hostname_style: str
    os_id: str  #: os-release ID
    id_like: str  #: os-release ID_LIKE ("" if none)
    name: str  #: os-release NAME
    codename: str  #: os-release VERSION_CODENAME ("" if none)
    home_url: str
    platform: Platform

    @property
    def latest(self) -> Release:
        """The newest release of this distro in the catalog."""
        return self.platform.releases[-1]


def _ubuntu_release(point: str, codename: str) -> Release:
    major = ".".join(point.split(".")[:2])
    return Release(f"Ubuntu {point} LTS", major, f"{point} LTS ({codename})")


def _rocky(point: str) -> Release:
    return Release(f"Rocky Linux {point} (Blue Onyx)", point, f"{point} (Blue Onyx)")


_DEBIAN_PAM_DELAY = 2.0  # pam_unix's default failure delay (2 s, +-25 % jitter from Linux-PAM)

DISTROS: dict[str, Distro] = {
    d.slug: d
    for d in (
        Distro(
            "debian",
            "debian:bookworm-slim",
            "generic",
            "debian",
            "",
            "Debian GNU/Linux",
            "bookworm",
            "https://www.debian.org/",
            Platform(
                "debian12",
                "linux",
                (Release("Debian GNU/Linux 12 (bookworm)", "12", "12 (bookworm)"),),
                (
                    "6.1.0-13-amd64",
                    "6.1.0-17-amd64",
                    "6.1.0-18-amd64",
                    "6.1.0-21-amd64",
                    "6.1.0-23-amd64",
                    "6.1.0-25-amd64",
                ),
                (
                    "SSH-2.0-OpenSSH_9.2p1 Debian-2",
                    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1",
                    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2",
                    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
                ),
                (
                    HttpServer("nginx", 1, ("nginx/1.22.1",)),
                    HttpServer(
                        "apache",
                        1,
                        (
                            "Apache/2.4.57 (Debian)",
                            "Apache/2.4.59 (Debian)",
                            "Apache/2.4.61 (Debian)",
                            "Apache/2.4.62 (Debian)",
                        ),
                    ),
                ),
                products(
                    debian_version=("12.2", "12.4", "12.5", "12.6", "12.7"),
                    openssh=("9.2p1-2", "9.2p1-2+deb12u1", "9.2p1-2+deb12u2", "9.2p1-2+deb12u3"),
                    openssl=("3.0.11", "3.0.13", "3.0.14", "3.0.15"),
                    mysql=("10.11.4-MariaDB-1~deb12u1", "10.11.6-MariaDB-0+deb12u1"),
                    postgresql=(
                        "15.5 (Debian 15.5-0+deb12u1)",
                        "15.6 (Debian 15.6-0+deb12u1)",
                        "15.8 (Debian 15.8-0+deb12u1)",
                    ),
                    redis=("7.0.11", "7.0.15"),
                    vsftpd="3.0.3",
                    proftpd="1.3.8",
                    samba=("4.17.12-Debian",),
                    php=("8.2.7", "8.2.18", "8.2.20"),
                    postfix=("3.7.9", "3.7.10", "3.7.11"),
                    dovecot="2.3.19.1",
                    bind=("9.18.19-1~deb12u1-Debian", "9.18.24-1-Debian", "9.18.28-1~deb12u2-Debian"),
                    net_snmp="5.9.3",
                    openldap="2.5.13",
                    mosquitto="2.0.11",
                    docker="20.10.24",
                ),
                _DEBIAN_PAM_DELAY,
            ),
        ),
        Distro(
            "ubuntu22",
            "ubuntu:22.04",
            "generic",
            "ubuntu",
            "debian",
            "Ubuntu",
            "jammy",
            "https://www.ubuntu.com/",
            Platform(
                "ubuntu22.04",
                "linux",
                tuple(_ubuntu_release(p, "Jammy Jellyfish") for p in ("22.04.3", "22.04.4", "22.04.5")),
                (
                    "5.15.0-88-generic",
                    "5.15.0-91-generic",
                    "5.15.0-94-generic",
                    "5.15.0-97-generic",
                    "5.15.0-101-generic",
                    "5.15.0-105-generic",
                    "5.15.0-112-generic",
                    "5.15.0-117-generic",
                    "5.15.0-119-generic",
                    "5.15.0-122-generic",
                ),
                (
                    "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.4",
                    "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6",
                    "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.7",
                    "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10",
                    "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.11",
                ),
                (
                    HttpServer("nginx", 1, ("nginx/1.18.0 (Ubuntu)",)),
                    HttpServer("apache", 1, ("Apache/2.4.52 (Ubuntu)",)),
                ),
                products(
                    openssh=(
                        "8.9p1-3ubuntu0.4",
                        "8.9p1-3ubuntu0.6",
                        "8.9p1-3ubuntu0.7",
                        "8.9p1-3ubuntu0.10",
                        "8.9p1-3ubuntu0.11",
                    ),
                    openssl="3.0.2",
                    mysql=(
                        "8.0.35-0ubuntu0.22.04.1",
                        "8.0.36-0ubuntu0.22.04.1",
                        "8.0.37-0ubuntu0.22.04.3",
                        "8.0.39-0ubuntu0.22.04.1",
                        "8.0.40-0ubuntu0.22.04.1",
                    ),
                    postgresql=(
                        "14.10 (Ubuntu 14.10-0ubuntu0.22.04.1)",
                        "14.11 (Ubuntu 14.11-0ubuntu0.22.04.1)",
                        "14.12 (Ubuntu 14.12-0ubuntu0.22.04.1)",
                        "14.13 (Ubuntu 14.13-0ubuntu0.22.04.1)",
                    ),
                    redis="6.0.16",
                    vsftpd="3.0.5",
                    proftpd="1.3.7c",
                    samba="4.15.13-Ubuntu",
                    php=("8.1.2-1ubuntu2.14", "8.1.2-1ubuntu2.17", "8.1.2-1ubuntu2.18", "8.1.2-1ubuntu2.19"),
                    postfix="3.6.4",
                    dovecot="2.3.16",
                    bind=(
                        "9.18.18-0ubuntu0.22.04.1-Ubuntu",
                        "9.18.24-0ubuntu0.22.04.1-Ubuntu",
                        "9.18.28-0ubuntu0.22.04.1-Ubuntu",
                    ),
                    net_snmp="5.9.1",
                    openldap=("2.5.16", "2.5.17", "2.5.18"),
                    mosquitto="2.0.11",
                    asterisk="18.10.0~dfsg+~cs6.10.40431411-2",
                    docker=("24.0.5", "24.0.7"),
                ),
                _DEBIAN_PAM_DELAY,
            ),
        ),
        Distro(
            "ubuntu20",
            "ubuntu:20.04",
            "generic",
            "ubuntu",
            "debian",
            "Ubuntu",
            "focal",
            "https://www.ubuntu.com/",
            Platform(
                "ubuntu20.04",
                "linux",
                tuple(_ubuntu_release(p, "Focal Fossa") for p in ("20.04.5", "20.04.6")),
                (
                    "5.4.0-150-generic",
                    "5.4.0-164-generic",
                    "5.4.0-169-generic",
                    "5.4.0-172-generic",
                    "5.4.0-182-generic",
                    "5.4.0-190-generic",
                    "5.4.0-196-generic",
                ),
                (
                    "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5",
                    "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.9",
                    "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.11",
                ),
                (
                    HttpServer("nginx", 1, ("nginx/1.18.0 (Ubuntu)",)),
                    HttpServer("apache", 1, ("Apache/2.4.41 (Ubuntu)",)),
                ),
                products(
                    openssh=("8.2p1-4ubuntu0.5", "8.2p1-4ubuntu0.9", "8.2p1-4ubuntu0.11"),
                    openssl="1.1.1f",
                    mysql=(
                        "8.0.35-0ubuntu0.20.04.1",
                        "8.0.36-0ubuntu0.20.04.1",
                        "8.0.39-0ubuntu0.20.04.1",
                    ),
                    postgresql=(
                        "12.17 (Ubuntu 12.17-0ubuntu0.20.04.1)",
                        "12.18 (Ubuntu 12.18-0ubuntu0.20.04.1)",
                        "12.20 (Ubuntu 12.20-0ubuntu0.20.04.1)",
                    ),
                    redis="5.0.7",
                    vsftpd="3.0.3",
                    proftpd="1.3.6c",
                    samba="4.15.13-Ubuntu",
                    php="7.4.3",
                    postfix="3.4.13",
                    dovecot="2.3.7.2",
                    bind="9.16.1-Ubuntu",
                    net_snmp="5.8",
                    openldap="2.4.49",
                    mosquitto="1.6.9",
                    asterisk="16.2.1~dfsg-2ubuntu1",
                    docker=("20.10.21", "24.0.5"),
                ),
                _DEBIAN_PAM_DELAY,
            ),
        ),
        Distro(
            "rocky9",
            "rockylinux:9-minimal",
            "rhel",
            "rocky",
            "rhel centos fedora",
            "Rocky Linux",
            "",
            "https://rockylinux.org/",
            Platform(
                "rocky9",
                "linux",
                tuple(_rocky(p) for p in ("9.3", "9.4", "9.5")),
                (
                    "5.14.0-362.8.1.el9_3.x86_64",
                    "5.14.0-362.24.1.el9_3.x86_64",
                    "5.14.0-427.13.1.el9_4.x86_64",
                    "5.14.0-427.22.1.el9_4.x86_64",
                    "5.14.0-503.14.1.el9_5.x86_64",
                ),
                ("SSH-2.0-OpenSSH_8.7",),
                (
                    HttpServer("apache", 3, ("Apache/2.4.57 (Rocky Linux)", "Apache/2.4.62 (Rocky Linux)")),
                    HttpServer("nginx", 2, ("nginx/1.20.1",)),
                ),
                products(
                    openssh="8.7p1",
                    openssl=("3.0.7", "3.2.2"),
                    mysql=("8.0.32", "8.0.36"),
                    postgresql=("13.14", "13.16"),
                    redis="6.2.7",
                    vsftpd="3.0.5",
                    proftpd="1.3.8b",
                    samba=("4.18.6", "4.19.4", "4.20.2"),
                    php=("8.0.30",),
                    postfix="3.5.9",
                    dovecot="2.3.16",
                    bind=("9.16.23-RH",),
                    net_snmp="5.9.1",
                    openldap=("2.6.3", "2.6.6"),
                    mosquitto="2.0.18",
                ),
                2.0,
            ),
        ),
        Distro(
            "centos7",
            "centos:7",
            "rhel",
            "centos",
            "rhel fedora",
            "CentOS Linux",
            "",
            "https://www.centos.org/",
            Platform(
                "centos7",
                "linux",
                (Release("CentOS Linux 7 (Core)", "7", "7 (Core)"),),
                (
                    "3.10.0-1160.el7.x86_64",
                    "3.10.0-1160.88.1.el7.x86_64",
                    "3.10.0-1160.102.1.el7.x86_64",
                    "3.10.0-1160.108.1.el7.x86_64",
                    "3.10.0-1160.114.2.el7.x86_64",
                    "3.10.0-1160.119.1.el7.x86_64",
                ),
                ("SSH-2.0-OpenSSH_7.4",),
                (
                    HttpServer(
                        "apache", 3, ("Apache/2.4.6 (CentOS)", "Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips")
                    ),
                    HttpServer("nginx", 1, ("nginx/1.20.1",)),
                ),
                products(
                    centos_release="7.9.2009",
                    openssh="7.4p1",
                    openssl="1.0.2k-fips",
                    mysql="5.5.68-MariaDB",
                    postgresql="9.2.24",
                    redis="3.2.12",
                    vsftpd="3.0.2",
                    proftpd="1.3.5e",
                    samba="4.10.16",
                    php="5.4.16",
                    postfix="2.10.1",
                    dovecot="2.2.36",
                    bind="9.11.4-P2-RedHat-9.11.4-26.P2.el7_9.16",
                    net_snmp="5.7.2",
                    openldap="2.4.44",
                    mosquitto="1.6.10",
                ),
                2.0,
            ),
        ),
        Distro(
            "alpine",
            "alpine:3.19",
            "minimal",
            "alpine",
            "",
            "Alpine Linux",
            "",
            "https://alpinelinux.org/",
            Platform(
                "alpine3.19",
                "linux",
                tuple(Release("Alpine Linux v3.19", p, "") for p in ("3.19.0", "3.19.1", "3.19.2", "3.19.4")),
                ("6.6.4-1-lts", "6.6.14-0-lts", "6.6.31-0-lts", "6.6.41-0-lts"),
                ("SSH-2.0-OpenSSH_9.6",),
                (
                    HttpServer("nginx", 3, ("nginx/1.24.0",)),
                    HttpServer(
                        "apache", 1, ("Apache/2.4.58 (Unix)", "Apache/2.4.59 (Unix)", "Apache/2.4.62 (Unix)")
                    ),
                ),
                products(
                    openssh="9.6p1",
                    openssl=("3.1.4", "3.1.5", "3.1.6"),
                    mysql=("10.11.5-MariaDB", "10.11.6-MariaDB", "10.11.8-MariaDB"),
                    postgresql=("16.1", "16.3", "16.4"),
                    redis=("7.2.4", "7.2.5"),
                    vsftpd="3.0.5",
                    proftpd="1.3.8b",
                    samba=("4.18.9",),
                    php=("8.2.13", "8.2.20"),
                    postfix=("3.8.4", "3.8.6"),
                    dovecot="2.3.21",
                    bind="9.18.24",
                    net_snmp="5.9.3",
                    openldap="2.6.6",
                    mosquitto="2.0.18",
                    busybox="1.36.1",
                    docker=("25.0.3", "25.0.5"),
                ),
                # Alpine's sshd is built without PAM: no PAM failure delay, only sshd's own few ms.
                0.01,
            ),
        ),
        Distro(
            "fedora",
            "fedora:39",
            "rhel",
            "fedora",
            "",
            "Fedora Linux",
            "",
            "https://fedoraproject.org/",
            Platform(
                "fedora39",
                "linux",
                (Release("Fedora Linux 39 (Server Edition)", "39", "39 (Server Edition)"),),
                (
                    "6.5.6-300.fc39.x86_64",
                    "6.6.9-200.fc39.x86_64",
                    "6.7.5-200.fc39.x86_64",
                    "6.8.7-200.fc39.x86_64",
                    "6.8.9-100.fc39.x86_64",
                ),
                ("SSH-2.0-OpenSSH_9.3",),
                (
                    HttpServer(
                        "apache",
                        2,
                        (
                            "Apache/2.4.58 (Fedora Linux)",
                            "Apache/2.4.59 (Fedora Linux)",
                            "Apache/2.4.62 (Fedora Linux)",
                        ),
                    ),
                    HttpServer("nginx", 2, ("nginx/1.24.0", "nginx/1.26.1")),
                ),
                products(
                    openssh="9.3p1",
                    openssl=("3.1.1", "3.1.4"),
                    mysql=("10.5.22-MariaDB", "10.5.25-MariaDB"),
                    postgresql=("15.4", "15.6", "15.8"),
                    redis=("7.2.3", "7.2.4", "7.2.5"),
                    vsftpd="3.0.5",
                    proftpd="1.3.8b",
                    samba=("4.19.4", "4.19.6"),
                    php=("8.2.13", "8.2.20"),
                    postfix=("3.8.3", "3.8.5"),
                    dovecot="2.3.21",
                    bind=("9.18.20", "9.18.24"),
                    net_snmp="5.9.3",
                    openldap="2.6.6",
                    mosquitto="2.0.18",
                ),
                2.0,
            ),
        ),
        Distro(
            "kali",
            "kalilinux/kali-rolling",
            "rolling",
            "kali",
            "debian",
            "Kali GNU/Linux",
            "kali-rolling",
            "https://www.kali.org/",
            Platform(
                "kali-rolling",
                "linux",
                tuple(
                    Release("Kali GNU/Linux Rolling", v, v) for v in ("2024.1", "2024.2", "2024.3", "2024.4")
                ),
                ("6.6.9-amd64", "6.8.11-amd64", "6.8.11-amd64", "6.11.2-amd64"),
                (
                    "SSH-2.0-OpenSSH_9.6p1 Debian-4",
                    "SSH-2.0-OpenSSH_9.7p1 Debian-5",
                    "SSH-2.0-OpenSSH_9.7p1 Debian-7",
                    "SSH-2.0-OpenSSH_9.9p1 Debian-3",
                ),
                (
                    HttpServer(
                        "apache",
                        2,
                        ("Apache/2.4.58 (Debian)", "Apache/2.4.59 (Debian)", "Apache/2.4.62 (Debian)"),
                    ),
                    HttpServer("nginx", 1, ("nginx/1.24.0", "nginx/1.26.0")),
                ),
                products(
                    openssh=("9.6p1-4", "9.7p1-5", "9.7p1-7", "9.9p1-3"),
                    openssl=("3.1.5", "3.2.2", "3.3.2"),
                    mysql=("10.11.6-MariaDB-2", "11.4.2-MariaDB-4"),
                    postgresql=("16.2 (Debian 16.2-1)", "16.3 (Debian 16.3-1)", "16.4 (Debian 16.4-1)"),
                    redis=("7.0.15",),
                    vsftpd="3.0.3",
                    proftpd="1.3.8.b",
                    samba=("4.19.5-Debian", "4.20.4-Debian"),
                    php=("8.2.12", "8.2.20", "8.3.11"),
                    postfix=("3.8.5", "3.9.0"),
                    dovecot="2.3.21",
                    bind=("9.19.21-1-Debian", "9.20.2-1-Debian"),
                    net_snmp="5.9.4",
                    openldap="2.5.16",
                    mosquitto="2.0.18",
                ),
                _DEBIAN_PAM_DELAY,
            ),
        ),
        Distro(
            "arch",
            "archlinux",
            "rolling",
            "arch",
            "",
            "Arch Linux",
            "",
            "https://archlinux.org/",
            Platform(
                "archlinux",
                "linux",
                (Release("Arch Linux", "", ""),),
                ("6.7.4-arch1-1", "6.8.2-arch2-1", "6.9.7-arch1-1", "6.10.10-arch1-1", "6.11.5-arch1-1"),
                (
                    "SSH-2.0-OpenSSH_9.6",
                    "SSH-2.0-OpenSSH_9.7",
                    "SSH-2.0-OpenSSH_9.8",
                    "SSH-2.0-OpenSSH_9.9",
                ),
                (
                    HttpServer("nginx", 2, ("nginx/1.24.0", "nginx/1.26.1", "nginx/1.26.2")),
                    HttpServer(
                        "apache", 1, ("Apache/2.4.58 (Unix)", "Apache/2.4.59 (Unix)", "Apache/2.4.62 (Unix)")
                    ),
                ),
                products(
                    openssh=("9.6p1", "9.7p1", "9.8p1", "9.9p1"),
                    openssl=("3.2.1", "3.3.1", "3.3.2"),
                    mysql=("11.2.3-MariaDB", "11.3.2-MariaDB", "11.4.2-MariaDB"),
                    postgresql=("16.2", "16.3", "16.4"),
                    redis=("7.2.4", "7.2.5"),
                    vsftpd="3.0.5",
                    proftpd="1.3.8b",
                    samba=("4.19.5", "4.20.2"),
                    php=("8.3.3", "8.3.8", "8.3.12"),
                    postfix=("3.8.6", "3.9.0"),
                    dovecot="2.3.21",
                    bind=("9.18.24", "9.20.2"),
                    net_snmp="5.9.4",
                    openldap="2.6.7",
                    mosquitto="2.0.18",
                ),
                2.0,
            ),
        ),
    )
}

#: Distros a server archetype without preferred distros is drawn from (no rolling desktops).
SERVER_DISTROS: tuple[str, ...] = ("debian", "ubuntu22", "ubuntu20", "rocky9", "centos7", "fedora", "alpine")


def get_distro(slug: str) -> Distro:
    """The distro ``slug``; ``KeyError`` naming the known ones if there is none."""
    try:
        return DISTROS[slug]
    except KeyError:
        raise KeyError(f"unknown distro {slug!r} (known: {', '.join(DISTROS)})") from None


def os_release(distro: Distro, release: Release) -> dict[str, str]:
    """The fields of ``/etc/os-release`` for ``release`` of ``distro`` (only those that are set)."""
    fields = {
        "PRETTY_NAME": release.pretty_name,
        "NAME": distro.name,
        "VERSION_ID": release.version_id,
        "VERSION": release.version,
        "VERSION_CODENAME": distro.codename,
        "ID": distro.os_id,
        "ID_LIKE": distro.id_like,
        "HOME_URL": distro.home_url,
    }
    if distro.os_id == "arch":
        fields["BUILD_ID"] = "rolling"
    return {k: v for k, v in fields.items() if v}


def os_release_text(distro: Distro, release: Release) -> str:
    """``/etc/os-release`` as the file reads (``KEY="value"`` lines)."""
    lines = []
    for key, value in os_release(distro, release).items():
        quoted = (
            value
            if key in {"ID", "VERSION_ID", "VERSION_CODENAME", "BUILD_ID"} and " " not in value
            else f'"{value}"'
        )
        lines.append(f"{key}={quoted}")
    return "\n".join(lines) + "\n"
