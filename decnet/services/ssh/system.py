"""What the fake shell shows about its machine, derived from the decky's persona.

Everything random comes from ``persona.seed``, so a decky shows the same PIDs, disk sizes and
accounts on every login and after every restart, and two deckies differ. Time-dependent values
(uptime, load, counters) are computed when asked.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from decnet.fleet.persona import Persona

#: Distro slug -> family; a family decides file layouts, prompts, tools and messages.
_FAMILIES = {
    "ubuntu22": "ubuntu",
    "ubuntu20": "ubuntu",
    "ubuntu": "ubuntu",
    "debian": "debian",
    "kali": "kali",
    "rocky9": "rhel",
    "rocky": "rhel",
    "centos7": "rhel",
    "fedora": "rhel",
    "alpine": "alpine",
    "arch": "arch",
}


def distro_family(distro: str) -> str:
    """``ubuntu`` | ``debian`` | ``kali`` | ``rhel`` | ``alpine`` | ``arch``."""
    if distro in _FAMILIES:
        return _FAMILIES[distro]
    for prefix, family in (("ubuntu", "ubuntu"), ("rocky", "rhel"), ("centos", "rhel"), ("alma", "rhel")):
        if distro.startswith(prefix):
            return family
    return "debian"


#: OS family -> shell family for the personas that are not Linux distributions.
_OS_FAMILIES = {"bsd": "freebsd", "embedded": "busybox", "windows": "windows", "cisco": "cisco"}
#: Families whose userland is BusyBox.
BUSYBOX_FAMILIES = frozenset({"alpine", "busybox"})


def persona_family(persona: Persona) -> str:
    """The shell family of a persona: its distro's for Linux, else ``freebsd``/``busybox``/..."""
    return _OS_FAMILIES.get(persona.os_family) or distro_family(persona.distro)


_LINUX_ONLY = frozenset(
    {
        "ip",
        "free",
        "lscpu",
        "lsb_release",
        "systemctl",
        "hostnamectl",
        "lsblk",
        "ss",
        "apt",
        "apt-get",
        "dpkg",
        "yum",
        "dnf",
        "rpm",
        "apk",
        "pacman",
        "snap",
        "useradd",
        "userdel",
        "usermod",
        "groupadd",
        "chpasswd",
        "nproc",
        "getconf",
        "busybox",
        "ftpget",
        "ftpput",
        "base64",
        "tac",
        "arch",
        "ldconfig",
        "modprobe",
        "agetty",
        "iptables",
        "ip6tables",
        "ufw",
        "nft",
        "firewall-cmd",
        "mkfs",
        "blkid",
        "fdisk",
    }
)
#: Commands a family does not have (on top of other families' own tools).
_UNAVAILABLE: dict[str, frozenset[str]] = {
    "freebsd": _LINUX_ONLY
    | {
        "wget",
        "curl",
        "bash",
        "zsh",
        "python3",
        "python",
        "perl",
        "git",
        "nano",
        "vim",
        "sudo",
        "lastb",
        "sha256sum",
        "md5sum",
        "sha1sum",
        "sha512sum",
        "install",
        "shred",
        "vim.tiny",
    },
    "busybox": frozenset(
        {
            "lscpu",
            "lsb_release",
            "systemctl",
            "hostnamectl",
            "lsblk",
            "ss",
            "apt",
            "apt-get",
            "dpkg",
            "yum",
            "dnf",
            "rpm",
            "apk",
            "pacman",
            "snap",
            "python3",
            "python",
            "perl",
            "git",
            "bash",
            "zsh",
            "sudo",
            "curl",
            "file",
            "nano",
            "vim",
            "useradd",
            "usermod",
            "userdel",
            "groupadd",
            "chpasswd",
            "lastb",
            "last",
            "nproc",
            "getconf",
            "ftp",
            "scp",
            "sftp",
            "ssh",
            "rsync",
            "ncat",
            "socat",
            "gawk",
            "mawk",
            "sha512sum",
            "tac",
            "systemd",
            "ufw",
            "firewall-cmd",
            "nft",
            "w",
            "who",
            "users",
            "pkill",
        }
    ),
    "alpine": frozenset(
        {
            "lsb_release",
            "systemctl",
            "hostnamectl",
            "apt",
            "apt-get",
            "dpkg",
            "yum",
            "dnf",
            "rpm",
            "pacman",
            "snap",
            "python3",
            "python",
            "perl",
            "git",
            "bash",
            "zsh",
            "sudo",
            "curl",
            "file",
            "nano",
            "vim",
            "lastb",
            "useradd",
            "usermod",
            "userdel",
            "groupadd",
        }
    ),
}
_FREEBSD_ONLY = frozenset({"fetch", "freebsd-version", "pkg", "sockstat", "sysrc", "pw", "csh", "tcsh"})


def unavailable(family: str) -> frozenset[str]:
    """Commands the fake shell of ``family`` answers with 'not found'."""
    missing = _UNAVAILABLE.get(family, frozenset())
    return missing if family == "freebsd" else missing | _FREEBSD_ONLY


def seeded(persona: Persona, label: str) -> random.Random:
    """A random generator fixed by the persona seed and ``label``."""
    digest = hashlib.sha256(persona.seed + b"\x00ssh\x00" + label.encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


@dataclass(frozen=True, slots=True)
class Account:
    """One /etc/passwd line (plus the account's supplementary groups)."""

    name: str
    uid: int
    gid: int
    gecos: str
    home: str
    shell: str
    groups: tuple[tuple[int, str], ...] = ()

    def passwd_line(self) -> str:
        """The account as an /etc/passwd line."""
        return f"{self.name}:x:{self.uid}:{self.gid}:{self.gecos}:{self.home}:{self.shell}"


@dataclass(frozen=True, slots=True)
class Proc:
    """One process of the fake process table."""

    pid: int
    ppid: int
    user: str
    command: str
    vsz: int
    rss: int
    stat: str
    tty: str = "?"
    started: datetime | None = None
    cpu_time_s: int = 0


_SYSTEM_ACCOUNTS: dict[str, tuple[tuple[str, int, int, str, str, str], ...]] = {
    "debian": (
        ("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
        ("bin", 2, 2, "bin", "/bin", "/usr/sbin/nologin"),
        ("sys", 3, 3, "sys", "/dev", "/usr/sbin/nologin"),
        ("sync", 4, 65534, "sync", "/bin", "/bin/sync"),
        ("games", 5, 60, "games", "/usr/games", "/usr/sbin/nologin"),
        ("man", 6, 12, "man", "/var/cache/man", "/usr/sbin/nologin"),
        ("lp", 7, 7, "lp", "/var/spool/lpd", "/usr/sbin/nologin"),
        ("mail", 8, 8, "mail", "/var/mail", "/usr/sbin/nologin"),
        ("news", 9, 9, "news", "/var/spool/news", "/usr/sbin/nologin"),
        ("uucp", 10, 10, "uucp", "/var/spool/uucp", "/usr/sbin/nologin"),
        ("proxy", 13, 13, "proxy", "/bin", "/usr/sbin/nologin"),
        ("www-data", 33, 33, "www-data", "/var/www", "/usr/sbin/nologin"),
        ("backup", 34, 34, "backup", "/var/backups", "/usr/sbin/nologin"),
        ("list", 38, 38, "Mailing List Manager", "/var/list", "/usr/sbin/nologin"),
        ("irc", 39, 39, "ircd", "/run/ircd", "/usr/sbin/nologin"),
        ("nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"),
        ("_apt", 100, 65534, "", "/nonexistent", "/usr/sbin/nologin"),
        ("systemd-network", 101, 102, "systemd Network Management,,,", "/run/systemd", "/usr/sbin/nologin"),
        ("systemd-resolve", 102, 103, "systemd Resolver,,,", "/run/systemd", "/usr/sbin/nologin"),
        ("messagebus", 103, 104, "", "/nonexistent", "/usr/sbin/nologin"),
        (
            "systemd-timesync",
            104,
            105,
            "systemd Time Synchronization,,,",
            "/run/systemd",
            "/usr/sbin/nologin",
        ),
        ("sshd", 105, 65534, "", "/run/sshd", "/usr/sbin/nologin"),
    ),
    "ubuntu_extra": (
        ("syslog", 106, 113, "", "/home/syslog", "/usr/sbin/nologin"),
        ("uuidd", 107, 114, "", "/run/uuidd", "/usr/sbin/nologin"),
        ("tcpdump", 108, 115, "", "/nonexistent", "/usr/sbin/nologin"),
        ("tss", 109, 116, "TPM software stack,,,", "/var/lib/tpm", "/bin/false"),
        ("landscape", 110, 117, "", "/var/lib/landscape", "/usr/sbin/nologin"),
        ("fwupd-refresh", 111, 118, "fwupd-refresh user,,,", "/run/systemd", "/usr/sbin/nologin"),
        ("lxd", 999, 100, "", "/var/snap/lxd/common/lxd", "/bin/false"),
    ),
    "rhel": (
        ("bin", 1, 1, "bin", "/bin", "/sbin/nologin"),
        ("daemon", 2, 2, "daemon", "/sbin", "/sbin/nologin"),
        ("adm", 3, 4, "adm", "/var/adm", "/sbin/nologin"),
        ("lp", 4, 7, "lp", "/var/spool/lpd", "/sbin/nologin"),
        ("sync", 5, 0, "sync", "/sbin", "/bin/sync"),
        ("shutdown", 6, 0, "shutdown", "/sbin", "/sbin/shutdown"),
        ("halt", 7, 0, "halt", "/sbin", "/sbin/halt"),
        ("mail", 8, 12, "mail", "/var/spool/mail", "/sbin/nologin"),
        ("operator", 11, 0, "operator", "/root", "/sbin/nologin"),
        ("games", 12, 100, "games", "/usr/games", "/sbin/nologin"),
        ("ftp", 14, 50, "FTP User", "/var/ftp", "/sbin/nologin"),
        ("nobody", 65534, 65534, "Kernel Overflow User", "/", "/sbin/nologin"),
        ("systemd-coredump", 999, 997, "systemd Core Dumper", "/", "/sbin/nologin"),
        ("dbus", 81, 81, "System message bus", "/", "/sbin/nologin"),
        ("tss", 59, 59, "Account used for TPM access", "/dev/null", "/sbin/nologin"),
        ("sssd", 998, 996, "User for sssd", "/", "/sbin/nologin"),
        ("chrony", 997, 995, "chrony system user", "/var/lib/chrony", "/sbin/nologin"),
        ("sshd", 74, 74, "Privilege-separated SSH", "/usr/share/empty.sshd", "/sbin/nologin"),
    ),
    "alpine": (
        ("bin", 1, 1, "bin", "/bin", "/sbin/nologin"),
        ("daemon", 2, 2, "daemon", "/sbin", "/sbin/nologin"),
        ("adm", 3, 4, "adm", "/var/adm", "/sbin/nologin"),
        ("lp", 4, 7, "lp", "/var/spool/lpd", "/sbin/nologin"),
        ("sync", 5, 0, "sync", "/sbin", "/bin/sync"),
        ("shutdown", 6, 0, "shutdown", "/sbin", "/sbin/shutdown"),
        ("halt", 7, 0, "halt", "/sbin", "/sbin/halt"),
        ("mail", 8, 12, "mail", "/var/mail", "/sbin/nologin"),
        ("news", 9, 13, "news", "/usr/lib/news", "/sbin/nologin"),
        ("uucp", 10, 14, "uucp", "/var/spool/uucppublic", "/sbin/nologin"),
        ("operator", 11, 0, "operator", "/root", "/sbin/nologin"),
        ("man", 13, 15, "man", "/usr/man", "/sbin/nologin"),
        ("postmaster", 14, 12, "postmaster", "/var/mail", "/sbin/nologin"),
        ("cron", 16, 16, "cron", "/var/spool/cron", "/sbin/nologin"),
        ("ftp", 21, 21, "", "/var/lib/ftp", "/sbin/nologin"),
        ("sshd", 22, 22, "sshd", "/dev/null", "/sbin/nologin"),
        ("at", 25, 25, "at", "/var/spool/cron/atjobs", "/sbin/nologin"),
        ("games", 35, 35, "games", "/usr/games", "/sbin/nologin"),
        ("ntp", 123, 123, "NTP", "/var/empty", "/sbin/nologin"),
        ("guest", 405, 100, "guest", "/dev/null", "/sbin/nologin"),
        ("nobody", 65534, 65534, "nobody", "/", "/sbin/nologin"),
    ),
    "freebsd": (
        ("toor", 0, 0, "Bourne-again Superuser", "/root", ""),
        ("daemon", 1, 1, "Owner of many system processes", "/root", "/usr/sbin/nologin"),
        ("operator", 2, 5, "System &", "/", "/usr/sbin/nologin"),
        ("bin", 3, 7, "Binaries Commands and Source", "/", "/usr/sbin/nologin"),
        ("tty", 4, 65533, "Tty Sandbox", "/", "/usr/sbin/nologin"),
        ("kmem", 5, 65533, "KMem Sandbox", "/", "/usr/sbin/nologin"),
        ("games", 7, 13, "Games pseudo-user", "/", "/usr/sbin/nologin"),
        ("news", 8, 8, "News Subsystem", "/", "/usr/sbin/nologin"),
        ("man", 9, 9, "Mister Man Pages", "/usr/share/man", "/usr/sbin/nologin"),
        ("sshd", 22, 22, "Secure Shell Daemon", "/var/empty", "/usr/sbin/nologin"),
        ("smmsp", 25, 25, "Sendmail Submission User", "/var/spool/clientmqueue", "/usr/sbin/nologin"),
        ("mailnull", 26, 26, "Sendmail Default User", "/var/spool/mqueue", "/usr/sbin/nologin"),
        ("bind", 53, 53, "Bind Sandbox", "/", "/usr/sbin/nologin"),
        ("unbound", 59, 59, "Unbound DNS Resolver", "/var/unbound", "/usr/sbin/nologin"),
        ("proxy", 62, 62, "Packet Filter pseudo-user", "/nonexistent", "/usr/sbin/nologin"),
        ("_pflogd", 64, 64, "pflogd privsep user", "/var/empty", "/usr/sbin/nologin"),
        ("_dhcp", 65, 65, "dhcp programs", "/var/empty", "/usr/sbin/nologin"),
        ("uucp", 66, 66, "UUCP pseudo-user", "/var/spool/uucppublic", "/usr/local/libexec/uucp/uucico"),
        ("pop", 68, 6, "Post Office Owner", "/nonexistent", "/usr/sbin/nologin"),
        ("www", 80, 80, "World Wide Web Owner", "/nonexistent", "/usr/sbin/nologin"),
        ("ntpd", 123, 123, "NTP Daemon", "/var/db/ntp", "/usr/sbin/nologin"),
        ("nobody", 65534, 65534, "Unprivileged user", "/nonexistent", "/usr/sbin/nologin"),
    ),
    "busybox": (
        ("daemon", 1, 1, "daemon", "/var", "/bin/false"),
        ("ftp", 55, 55, "ftp", "/home/ftp", "/bin/false"),
        ("network", 101, 101, "network", "/var", "/bin/false"),
        ("nobody", 65534, 65534, "nobody", "/var", "/bin/false"),
    ),
    "arch": (
        ("bin", 1, 1, "", "/", "/usr/bin/nologin"),
        ("daemon", 2, 2, "", "/", "/usr/bin/nologin"),
        ("mail", 8, 12, "", "/var/spool/mail", "/usr/bin/nologin"),
        ("ftp", 14, 11, "", "/srv/ftp", "/usr/bin/nologin"),
        ("http", 33, 33, "", "/srv/http", "/usr/bin/nologin"),
        ("nobody", 65534, 65534, "Kernel Overflow User", "/", "/usr/bin/nologin"),
        ("dbus", 81, 81, "System Message Bus", "/", "/usr/bin/nologin"),
        ("systemd-coredump", 984, 984, "systemd Core Dumper", "/", "/usr/bin/nologin"),
        ("systemd-network", 983, 983, "systemd Network Management", "/", "/usr/bin/nologin"),
        ("systemd-resolve", 981, 981, "systemd Resolver", "/", "/usr/bin/nologin"),
        ("systemd-timesync", 980, 980, "systemd Time Synchronization", "/", "/usr/bin/nologin"),
    ),
}

_ADMIN_GROUPS = {
    "ubuntu": ((4, "adm"), (24, "cdrom"), (27, "sudo"), (30, "dip"), (46, "plugdev"), (110, "lxd")),
    "debian": (
        (24, "cdrom"),
        (25, "floppy"),
        (27, "sudo"),
        (29, "audio"),
        (30, "dip"),
        (44, "video"),
        (46, "plugdev"),
        (100, "users"),
        (106, "netdev"),
    ),
    "kali": (
        (4, "adm"),
        (20, "dialout"),
        (24, "cdrom"),
        (27, "sudo"),
        (29, "audio"),
        (30, "dip"),
        (44, "video"),
        (46, "plugdev"),
        (100, "users"),
        (106, "netdev"),
    ),
    "rhel": ((10, "wheel"),),
    "alpine": ((10, "wheel"),),
    "arch": ((998, "wheel"),),
    "freebsd": ((0, "wheel"),),
}

_ROOT_GROUPS = {
    "alpine": (
        (0, "root"),
        (1, "bin"),
        (2, "daemon"),
        (3, "sys"),
        (4, "adm"),
        (6, "disk"),
        (10, "wheel"),
        (11, "floppy"),
        (20, "dialout"),
        (26, "tape"),
        (27, "video"),
    ),
    "rhel": ((0, "root"),),
    "freebsd": ((0, "wheel"), (5, "operator")),
}

_CODENAMES = {
    "ubuntu22": ("jammy", "Jammy Jellyfish", "22.04"),
    "ubuntu20": ("focal", "Focal Fossa", "20.04"),
    "debian": ("bookworm", "", "12"),
}


def _version_in(text: str, default: str) -> str:
    match = re.search(r"\d+(?:\.\d+)*", text)
    return match.group(0) if match else default


class System:
    """The machine a decky pretends to be, as the shell shows it."""

    def __init__(self, persona: Persona, usernames: Sequence[str]) -> None:
        self.persona = persona
        self.family = persona_family(persona)
        self.busybox = self.family in BUSYBOX_FAMILIES
        self.short_hostname = persona.hostname.split(".", 1)[0]
        self.accounts = self._accounts(usernames)
        rng = seeded(persona, "system")
        self.disk_gb = rng.choice((20, 30, 40, 50, 60, 80, 100, 120, 160, 200, 250, 500))
        self.disk_used_fraction = rng.uniform(0.08, 0.55)
        self.mem_used_fraction = rng.uniform(0.12, 0.45)
        self.load_base = rng.uniform(0.0, 0.35)
        self.kernel_build_date = persona.booted_at - timedelta(
            days=rng.randint(12, 160), seconds=rng.randint(0, 86399)
        )
        self.kernel_build_no = rng.randint(1, 40)
        self.pid_base = rng.randint(600, 1400)
        self.last_login_from = self._neighbour(rng)
        self.last_login_at = persona.booted_at + timedelta(minutes=rng.randint(5, 600))
        self.machine_id = hashlib.sha256(persona.seed + b"machine-id").hexdigest()[:32]

    # ------------------------------------------------------------------ accounts

    def _accounts(self, usernames: Sequence[str]) -> dict[str, Account]:
        family = self.family
        shell = {
            "alpine": "/bin/ash",
            "kali": "/usr/bin/zsh",
            "arch": "/usr/bin/bash",
            "freebsd": "/bin/sh",
            "busybox": "/bin/sh",
        }.get(family, "/bin/bash")
        root_groups = _ROOT_GROUPS.get(family, ((0, "root"),))
        gecos = {"arch": "", "freebsd": "Charlie &"}.get(family, "root")
        accounts: dict[str, Account] = {"root": Account("root", 0, 0, gecos, "/root", shell, root_groups)}
        system_key = "debian" if family in {"ubuntu", "debian", "kali"} else family
        for name, uid, gid, gecos, home, login_shell in _SYSTEM_ACCOUNTS.get(system_key, ()):
            accounts[name] = Account(name, uid, gid, gecos, home, login_shell or shell, ((gid, name),))
        if family == "ubuntu":
            for name, uid, gid, gecos, home, login_shell in _SYSTEM_ACCOUNTS["ubuntu_extra"]:
                accounts[name] = Account(name, uid, gid, gecos, home, login_shell, ((gid, name),))
        uid = 1000
        for index, name in enumerate(u for u in usernames if u not in accounts):
            gecos = (
                "Ubuntu"
                if name == "ubuntu" and family == "ubuntu"
                else ",,,"
                if system_key == "debian"
                else ""
            )
            groups = ((uid, name), *(_ADMIN_GROUPS.get(family, ()) if index == 0 else ()))
            accounts[name] = Account(name, uid, uid, gecos, f"/home/{name}", shell, groups)
            uid += 1
        return accounts

    def account(self, name: str) -> Account:
        """The account ``name`` (unknown names get a plausible unprivileged one)."""
        return self.accounts.get(name) or Account(name, 1099, 1099, "", f"/home/{name}", "/bin/bash")

    def passwd(self) -> str:
        """/etc/passwd."""
        return "".join(account.passwd_line() + "\n" for account in self.accounts.values())

    def group(self) -> str:
        """/etc/group."""
        members: dict[tuple[int, str], list[str]] = {}
        for account in self.accounts.values():
            members.setdefault((account.gid, account.name), [])
            for gid, name in account.groups:
                entry = members.setdefault((gid, name), [])
                if gid != account.gid and account.name not in entry:
                    entry.append(account.name)
        lines = [f"{name}:x:{gid}:{','.join(users)}" for (gid, name), users in sorted(members.items())]
        return "\n".join(lines) + "\n"

    def shadow(self) -> str:
        """/etc/shadow (hashes are placeholders: the shell never reveals real credentials)."""
        days = (self.persona.booted_at - datetime(1970, 1, 1, tzinfo=UTC)).days - 30
        out = []
        for account in self.accounts.values():
            if account.uid == 0 or account.uid >= 1000:
                salt = hashlib.sha256(self.persona.seed + account.name.encode()).hexdigest()
                digest = hashlib.sha512(salt.encode()).hexdigest()
                field = f"$6${salt[:16]}${digest[:86]}"
            else:
                field = "*"
            out.append(f"{account.name}:{field}:{days}:0:99999:7:::")
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ identity

    def os_release(self) -> str:
        """/etc/os-release; PRETTY_NAME is the persona's ``distro_name``."""
        pretty = self.persona.distro_name
        distro = self.persona.distro
        family = self.family
        if family == "busybox":
            return ""
        if family == "freebsd":
            version = (
                self.persona.kernel.split("-p", 1)[0] if "-p" in self.persona.kernel else pretty.split()[-1]
            )
            version_id = _version_in(version, "14.1")
            return (
                f'NAME=FreeBSD\nVERSION="{version}"\nVERSION_ID="{version_id}"\nID=freebsd\nANSI_COLOR="0;31"\n'
                f'PRETTY_NAME="{pretty}"\nCPE_NAME="cpe:/o:freebsd:freebsd:{version_id}"\n'
                'HOME_URL="https://FreeBSD.org/"\nBUG_REPORT_URL="https://bugs.FreeBSD.org/"\n'
            )
        if family == "ubuntu":
            codename, long_name, version_id = _CODENAMES.get(distro, ("jammy", "Jammy Jellyfish", "22.04"))
            version_id = _version_in(pretty, version_id)
            version_id = ".".join(version_id.split(".")[:2])
            version = pretty.removeprefix("Ubuntu ").strip() + (f" ({long_name})" if long_name else "")
            return (
                f'PRETTY_NAME="{pretty}"\nNAME="Ubuntu"\nVERSION_ID="{version_id}"\nVERSION="{version}"\n'
                f"VERSION_CODENAME={codename}\nID=ubuntu\nID_LIKE=debian\n"
                'HOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\n'
                'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\n'
                'PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"\n'
                f"UBUNTU_CODENAME={codename}\n"
            )
        if family == "debian":
            version_id = _version_in(pretty, "12")
            codename = {"10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie"}.get(
                version_id, "bookworm"
            )
            return (
                f'PRETTY_NAME="{pretty}"\nNAME="Debian GNU/Linux"\nVERSION_ID="{version_id}"\n'
                f'VERSION="{version_id} ({codename})"\nVERSION_CODENAME={codename}\nID=debian\n'
                'HOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\n'
                'BUG_REPORT_URL="https://bugs.debian.org/"\n'
            )
        if family == "kali":
            version_id = _version_in(pretty, "2024.1") if any(c.isdigit() for c in pretty) else "2024.1"
            return (
                f'PRETTY_NAME="{pretty}"\nNAME="Kali GNU/Linux"\nVERSION_ID="{version_id}"\n'
                f'VERSION="{version_id}"\nVERSION_CODENAME=kali-rolling\nID=kali\nID_LIKE=debian\n'
                'HOME_URL="https://www.kali.org/"\nSUPPORT_URL="https://forums.kali.org/"\n'
                'BUG_REPORT_URL="https://bugs.kali.org/"\nANSI_COLOR="1;31"\n'
            )
        if family == "alpine":
            version_id = _version_in(pretty, "3.19")
            if version_id.count(".") < 2:
                version_id += f".{seeded(self.persona, 'alpine').randint(0, 2)}"
            return (
                f'NAME="Alpine Linux"\nID=alpine\nVERSION_ID={version_id}\nPRETTY_NAME="{pretty}"\n'
                'HOME_URL="https://alpinelinux.org/"\n'
                'BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n'
            )
        if family == "arch":
            return (
                f'NAME="Arch Linux"\nPRETTY_NAME="{pretty}"\nID=arch\nBUILD_ID=rolling\n'
                'ANSI_COLOR="38;2;23;147;209"\nHOME_URL="https://archlinux.org/"\n'
                'DOCUMENTATION_URL="https://wiki.archlinux.org/"\nSUPPORT_URL="https://bbs.archlinux.org/"\n'
                'BUG_REPORT_URL="https://gitlab.archlinux.org/groups/archlinux/-/issues"\n'
                'PRIVACY_POLICY_URL="https://terms.archlinux.org/docs/privacy-policy/"\nLOGO=archlinux-logo\n'
            )
        # rhel family
        if distro.startswith("centos"):
            version_id = _version_in(pretty, "7")
            return (
                f'NAME="CentOS Linux"\nVERSION="{version_id} (Core)"\nID="centos"\nID_LIKE="rhel fedora"\n'
                f'VERSION_ID="{version_id}"\nPRETTY_NAME="{pretty}"\nANSI_COLOR="0;31"\n'
                f'CPE_NAME="cpe:/o:centos:centos:{version_id}"\nHOME_URL="https://www.centos.org/"\n'
                'BUG_REPORT_URL="https://bugs.centos.org/"\n\n'
                f'CENTOS_MANTISBT_PROJECT="CentOS-{version_id}"\n'
                f'CENTOS_MANTISBT_PROJECT_VERSION="{version_id}"\n'
                f'REDHAT_SUPPORT_PRODUCT="centos"\nREDHAT_SUPPORT_PRODUCT_VERSION="{version_id}"\n\n'
            )
        if distro.startswith("fedora"):
            version_id = _version_in(pretty, "39")
            return (
                f'NAME="Fedora Linux"\nVERSION="{version_id} (Server Edition)"\nID=fedora\n'
                f'VERSION_ID={version_id}\nVERSION_CODENAME=""\nPLATFORM_ID="platform:f{version_id}"\n'
                f'PRETTY_NAME="{pretty}"\nANSI_COLOR="0;38;2;60;110;180"\nLOGO=fedora-logo-icon\n'
                f'CPE_NAME="cpe:/o:fedoraproject:fedora:{version_id}"\nHOME_URL="https://fedoraproject.org/"\n'
                'SUPPORT_URL="https://ask.fedoraproject.org/"\n'
                'BUG_REPORT_URL="https://bugzilla.redhat.com/"\nVARIANT="Server Edition"\nVARIANT_ID=server\n'
            )
        version_id = _version_in(pretty, "9.3")
        major = version_id.split(".")[0]
        return (
            f'NAME="Rocky Linux"\nVERSION="{version_id} (Blue Onyx)"\nID="rocky"\n'
            f'ID_LIKE="rhel centos fedora"\nVERSION_ID="{version_id}"\nPLATFORM_ID="platform:el{major}"\n'
            f'PRETTY_NAME="{pretty}"\nANSI_COLOR="0;32"\nLOGO="fedora-logo-icon"\n'
            f'CPE_NAME="cpe:/o:rocky:rocky:{major}::baseos"\nHOME_URL="https://rockylinux.org/"\n'
            'BUG_REPORT_URL="https://bugs.rockylinux.org/"\n'
            f'ROCKY_SUPPORT_PRODUCT="Rocky-Linux-{major}"\nROCKY_SUPPORT_PRODUCT_VERSION="{version_id}"\n'
            f'REDHAT_SUPPORT_PRODUCT="Rocky Linux"\nREDHAT_SUPPORT_PRODUCT_VERSION="{version_id}"\n'
        )

    def issue(self) -> str:
        """/etc/issue."""
        if self.family in {"freebsd", "busybox"}:
            return ""
        if self.family == "alpine":
            return f"Welcome to {self.persona.distro_name}\nKernel \\r on an \\m (\\l)\n\n"
        if self.family == "rhel":
            return "\\S\nKernel \\r on an \\m\n\n"
        return f"{self.persona.distro_name} \\n \\l\n\n"

    def kernel_version_string(self) -> str:
        """`uname -v`, e.g. ``#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023``."""
        when = self.kernel_build_date
        kernel = self.persona.kernel
        if self.family == "freebsd":
            return f"FreeBSD {kernel} GENERIC"
        if self.family == "busybox":
            return f"#1 SMP PREEMPT {when:%a %b %d %H:%M:%S} UTC {when:%Y}"
        if self.family == "ubuntu":
            abi = re.search(r"-(\d+)-", kernel)
            build = int(abi.group(1)) + self.kernel_build_no % 12 + 1 if abi else 90 + self.kernel_build_no
            return f"#{build}-Ubuntu SMP {when:%a %b %d %H:%M:%S} UTC {when:%Y}"
        if self.family in {"debian", "kali"}:
            upstream = re.match(r"\d+\.\d+", kernel)
            base = upstream.group(0) if upstream else "6.1"
            name = "Debian" if self.family == "debian" else "Kali"
            return f"#1 SMP PREEMPT_DYNAMIC {name} {base}.{self.kernel_build_no + 60}-1 ({when:%Y-%m-%d})"
        if self.family == "alpine":
            return f"#1-Alpine SMP PREEMPT_DYNAMIC {when:%a, %d %b %Y %H:%M:%S} +0000"
        if self.family == "arch":
            return f"#1 SMP PREEMPT_DYNAMIC {when:%a, %d %b %Y %H:%M:%S} +0000"
        if self.persona.distro.startswith("centos"):
            return f"#1 SMP {when:%a %b %d %H:%M:%S} UTC {when:%Y}"
        return f"#1 SMP PREEMPT_DYNAMIC {when:%a %b %d %H:%M:%S} UTC {when:%Y}"

    def uname(self, flags: str) -> str:
        """`uname` for the flags in ``flags`` (``a`` = all)."""
        arch = self.persona.arch
        if self.family == "freebsd":
            bsd = [
                ("s", "FreeBSD"),
                ("n", self.persona.hostname),
                ("r", self.persona.kernel),
                ("v", self.kernel_version_string()),
                ("m", arch),
                ("p", arch),
                ("i", "GENERIC"),
                ("o", "FreeBSD"),
            ]
            chosen = [value for key, value in bsd if key in flags or ("a" in flags and key in "snrvm")]
            return " ".join(chosen) if chosen else "FreeBSD"
        full_platform = self.family in {"ubuntu", "rhel"}
        os_name = "Linux" if self.family == "alpine" else "GNU/Linux"
        fields = [
            ("s", "Linux"),
            ("n", self.short_hostname if self.family != "rhel" else self.persona.hostname),
            ("r", self.persona.kernel),
            ("v", self.kernel_version_string()),
            ("m", arch),
            ("p", arch if full_platform else "unknown"),
            ("i", arch if full_platform else "unknown"),
            ("o", os_name),
        ]
        if "a" in flags:
            return " ".join(value for key, value in fields if key not in "pi" or value != "unknown")
        chosen = [value for key, value in fields if key in flags]
        return " ".join(chosen) if chosen else "Linux"

    def proc_version(self) -> str:
        """/proc/version."""
        compiler = {
            "ubuntu": "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
            "debian": "gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40",
            "kali": "gcc-13 (Debian 13.2.0-13) 13.2.0, GNU ld (GNU Binutils for Debian) 2.42",
            "rhel": "gcc (GCC) 11.4.1 20230605 (Red Hat 11.4.1-2), GNU ld version 2.35.2-42.el9",
            "alpine": "gcc (Alpine 13.2.1_git20231014) 13.2.1 20231014, GNU ld (GNU Binutils) 2.41",
            "arch": "gcc (GCC) 13.2.1 20230801, GNU ld (GNU Binutils) 2.42.0",
        }.get(self.family, "gcc version 7.3.0 (GCC)")
        builder = {
            "ubuntu": "buildd@lcy02-amd64-045",
            "debian": "debian-kernel@lists.debian.org",
            "kali": "devel@kali.org",
            "rhel": "mockbuild@iad1-prod-build001.bld.equ.rockylinux.org",
            "alpine": "buildozer@build-3-19-x86_64",
            "arch": "linux@archlinux",
        }.get(self.family, "builder@buildhost")
        return (
            f"Linux version {self.persona.kernel} ({builder}) ({compiler}) {self.kernel_version_string()}\n"
        )

    # ------------------------------------------------------------------ time

    def now(self) -> datetime:
        """Current time (UTC)."""
        return datetime.now(UTC)

    def uptime_seconds(self) -> float:
        """Seconds since the persona's boot."""
        return max(60.0, (self.now() - self.persona.booted_at).total_seconds())

    def loadavg(self) -> tuple[float, float, float]:
        """Load averages, slowly varying with time."""
        t = self.now().timestamp()
        base = self.load_base
        return tuple(  # type: ignore[return-value]
            round(max(0.0, base + 0.08 * math.sin(t / period)), 2) for period in (97.0, 431.0, 1303.0)
        )

    def uptime_text(self, users: int = 1) -> str:
        """The `uptime` line, formatted as procps does."""
        now = self.now()
        secs = int(self.uptime_seconds())
        days, rest = divmod(secs, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        load = ", ".join(f"{value:.2f}" for value in self.loadavg())
        if self.family == "freebsd":
            text = f"{now.strftime('%I').lstrip('0') or '12':>2}:{now:%M}{now:%p}  up"
            if days:
                text += f" {days} day{'s' if days != 1 else ''},"
            text += (
                f" {hours:2d}:{minutes:02d}," if hours else f" {minutes} min{'s' if minutes != 1 else ''},"
            )
            return text + f" {users} user{'' if users == 1 else 's'}, load averages: {load}"
        text = f" {now:%H:%M:%S} up "
        if days:
            text += f"{days} day{'s' if days != 1 else ''}, "
        text += f"{hours:2d}:{minutes:02d}, " if hours else f"{minutes} min, "
        text += f"{users:2d} user{'' if users == 1 else 's'}, "
        return text + f" load average: {load}"

    # ------------------------------------------------------------------ hardware

    def mem_kb(self) -> dict[str, int]:
        """/proc/meminfo figures (kB)."""
        total = max(65536, self.persona.mem_total_kb)
        wobble = 1 + 0.01 * math.sin(self.now().timestamp() / 313.0)
        used = int(total * self.mem_used_fraction * wobble)
        buffers = int(total * 0.02)
        cached = int(total * 0.18)
        free = max(1024, total - used - buffers - cached)
        shared = int(total * 0.003)
        available = free + buffers + int(cached * 0.8)
        swap = (
            0 if self.busybox or (self.family == "ubuntu" and total < 4_000_000) else min(2097148, total // 2)
        )
        return {
            "MemTotal": total,
            "MemFree": free,
            "MemAvailable": available,
            "Buffers": buffers,
            "Cached": cached,
            "SwapCached": 0,
            "Active": int(total * 0.2),
            "Inactive": int(total * 0.15),
            "SwapTotal": swap,
            "SwapFree": swap,
            "Shmem": shared,
            "Used": used,
            "Slab": int(total * 0.03),
            "SReclaimable": int(total * 0.02),
        }

    def meminfo(self) -> str:
        """/proc/meminfo."""
        m = self.mem_kb()
        keys = (
            "MemTotal",
            "MemFree",
            "MemAvailable",
            "Buffers",
            "Cached",
            "SwapCached",
            "Active",
            "Inactive",
            "SwapTotal",
            "SwapFree",
            "Shmem",
            "Slab",
            "SReclaimable",
        )
        lines = [f"{key + ':':<16}{m[key]:>8} kB" for key in keys]
        lines += [
            f"{'Dirty:':<16}{64:>8} kB",
            f"{'Writeback:':<16}{0:>8} kB",
            f"{'AnonPages:':<16}{int(m['Used'] * 0.7):>8} kB",
            f"{'Mapped:':<16}{int(m['Cached'] * 0.3):>8} kB",
            f"{'PageTables:':<16}{int(m['MemTotal'] * 0.002):>8} kB",
            f"{'CommitLimit:':<16}{m['MemTotal'] // 2 + m['SwapTotal']:>8} kB",
            f"{'VmallocTotal:':<16}{34359738367:>8} kB",
            f"{'HugePages_Total:':<16}{0:>8}",
            f"{'HugePages_Free:':<16}{0:>8}",
            f"{'Hugepagesize:':<16}{2048:>8} kB",
        ]
        return "\n".join(lines) + "\n"

    def cpu_mhz(self) -> float:
        """Nominal clock of the persona CPU."""
        match = re.search(r"@\s*([\d.]+)\s*GHz", self.persona.cpu_model)
        return float(match.group(1)) * 1000 if match else 2394.454

    def cpuinfo(self) -> str:
        """/proc/cpuinfo."""
        count = max(1, min(self.persona.cpu_count, 256))
        model = self.persona.cpu_model
        if self.persona.arch.startswith("arm") and self.persona.arch not in {"arm64"}:
            arm = (
                "processor\t: {n}\nmodel name\t: " + model + "\nBogoMIPS\t: 38.40\n"
                "Features\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae\n"
                "CPU implementer\t: 0x41\nCPU architecture: 7\nCPU variant\t: 0x0\nCPU part\t: 0xc07\n"
                "CPU revision\t: 5\n"
            )
            arm_blocks = "\n".join(arm.replace("{n}", str(n)) for n in range(count))
            return (
                arm_blocks
                + "\nHardware\t: Generic DT based system\nRevision\t: 0000\nSerial\t\t: 0000000000000000\n"
            )
        if self.persona.arch.startswith("mips"):
            mips = (
                "processor\t\t: {n}\ncpu model\t\t: " + model + "\nBogoMIPS\t\t: 586.13\nwait instruction"
                "\t: yes\nmicrosecond timers\t: yes\ntlb_entries\t\t: 32\nisa\t\t\t: mips1 mips2 mips32r1 "
                "mips32r2\nASEs implemented\t: mips16 dsp\n"
            )
            return (
                "system type\t\t: "
                + model
                + "\n"
                + "\n".join(mips.replace("{n}", str(n)) for n in range(count))
                + "\n"
            )
        if self.persona.arch in {"aarch64", "arm64"}:
            block = (
                "processor\t: {n}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 "
                "atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\n"
                "CPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n"
            )
            return "\n".join(block.format(n=n) for n in range(count)) + "\n"
        vendor = "AuthenticAMD" if "AMD" in model.upper() else "GenuineIntel"
        family, model_no, stepping = (25, 1, 1) if vendor == "AuthenticAMD" else (6, 85, 7)
        mhz = self.cpu_mhz()
        flags = (
            "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
            "sse sse2 "
            "ss syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology cpuid "
            "tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt "
            "tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch "
            "invpcid_single pti fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm avx512f "
            "avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 "
            "xsaves arat pku ospke"
        )
        blocks = []
        for n in range(count):
            blocks.append(
                f"processor\t: {n}\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model_no}\n"
                f"model name\t: {model}\nstepping\t: {stepping}\nmicrocode\t: 0x5003604\n"
                f"cpu MHz\t\t: {mhz:.3f}\ncache size\t: 36608 KB\nphysical id\t: 0\nsiblings\t: {count}\n"
                f"core id\t\t: {n}\ncpu cores\t: {count}\napicid\t\t: {n}\ninitial apicid\t: {n}\n"
                f"fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\nflags\t\t: {flags}\n"
                f"bugs\t\t: cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa "
                f"itlb_multihit mmio_stale_data retbleed gds\nbogomips\t: {mhz * 2:.2f}\n"
                f"clflush size\t: 64\ncache_alignment\t: 64\n"
                f"address sizes\t: 46 bits physical, 48 bits virtual\n"
                f"power management:\n"
            )
        return "\n".join(blocks) + "\n"

    # ------------------------------------------------------------------ disks

    def filesystems(self) -> list[tuple[str, str, int, int, str]]:
        """(device, type, size kB, used kB, mount point) as `df` shows them."""
        total_kb = self.disk_gb * 1024 * 1024 - self.disk_gb * 50_000
        used_kb = int(total_kb * self.disk_used_fraction)
        mem = max(65536, self.persona.mem_total_kb)
        run = mem // 10
        if self.family == "freebsd":
            return [
                ("zroot/ROOT/default", "zfs", total_kb, used_kb, "/"),
                ("devfs", "devfs", 1, 1, "/dev"),
                ("zroot/tmp", "zfs", total_kb - used_kb + 120, 120, "/tmp"),  # noqa: S108 - shown only
                ("zroot/usr/home", "zfs", total_kb - used_kb + 180, 180, "/usr/home"),
                ("zroot/var/log", "zfs", total_kb - used_kb + 900, 900, "/var/log"),
            ]
        if self.family == "busybox":
            flash = 14_336
            return [
                ("/dev/root", "squashfs", 4_352, 4_352, "/rom"),
                ("tmpfs", "tmpfs", mem // 2, 212, "/tmp"),  # noqa: S108 - shown only
                ("/dev/mtdblock6", "jffs2", flash, flash // 9, "/overlay"),
                ("overlayfs:/overlay", "overlay", flash, flash // 9, "/"),
                ("tmpfs", "tmpfs", 512, 0, "/dev"),
            ]
        root_dev = {"rhel": "/dev/mapper/rl-root", "alpine": "/dev/sda3"}.get(self.family, "/dev/sda1")
        if self.persona.distro.startswith("centos"):
            root_dev = "/dev/mapper/centos-root"
        rows = [
            ("tmpfs", "tmpfs", run, 1100, "/run"),
            (root_dev, "ext4" if self.family != "rhel" else "xfs", total_kb, used_kb, "/"),
            ("tmpfs", "tmpfs", mem // 2, 0, "/dev/shm"),  # noqa: S108 - a path shown, never used
            ("tmpfs", "tmpfs", 5120, 0, "/run/lock"),
        ]
        if self.family == "ubuntu":
            rows.append(("/dev/sda15", "vfat", 106858, 6186, "/boot/efi"))
        elif self.family == "rhel":
            rows.append(("/dev/sda1", "xfs", 1038336, 262_000, "/boot"))
        rows.append(("tmpfs", "tmpfs", run, 4, "/run/user/0"))
        return rows

    # ------------------------------------------------------------------ network

    def interface(self) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
        """The decky address with an assumed /24 (/64 for IPv6)."""
        try:
            addr = ipaddress.ip_address(self.persona.ip)
        except ValueError:
            addr = ipaddress.ip_address("192.168.1.10")
        return ipaddress.ip_interface(f"{addr}/{24 if addr.version == 4 else 64}")

    def gateway(self) -> str:
        """The first host of the decky's subnet."""
        network = self.interface().network
        return str(next(network.hosts(), network.network_address))

    def link_local(self) -> str:
        """fe80:: address derived from the MAC (EUI-64)."""
        try:
            octets = [int(part, 16) for part in self.persona.mac.split(":")]
        except ValueError:
            octets = [0, 0x50, 0x56, 0, 0, 1]
        if len(octets) != 6:
            octets = [0, 0x50, 0x56, 0, 0, 1]
        eui = [octets[0] ^ 0x02, *octets[1:3], 0xFF, 0xFE, *octets[3:]]
        words = [f"{(eui[i] << 8) | eui[i + 1]:x}" for i in range(0, 8, 2)]
        return str(ipaddress.ip_address("fe80::" + ":".join(words)))

    def traffic(self) -> tuple[int, int, int, int]:
        """(rx packets, rx bytes, tx packets, tx bytes) of eth0, growing with uptime."""
        up = self.uptime_seconds()
        rng = seeded(self.persona, "traffic")
        rx_rate, tx_rate = rng.uniform(3, 40), rng.uniform(1, 15)
        rx_p, tx_p = int(up * rx_rate), int(up * tx_rate)
        return rx_p, rx_p * rng.randint(180, 900), tx_p, tx_p * rng.randint(120, 600)

    def _neighbour(self, rng: random.Random) -> str:
        try:
            network = ipaddress.ip_interface(f"{self.persona.ip}/24").network
            if network.version == 4:
                return str(network.network_address + rng.randint(10, 250))
        except ValueError:
            pass
        return f"10.0.{rng.randint(0, 20)}.{rng.randint(2, 250)}"

    # ------------------------------------------------------------------ processes

    def processes(self, login: str, tty: str, shell_pid: int, src_ip: str) -> list[Proc]:
        """The process table while ``login`` is logged in on ``tty``."""
        rng = seeded(self.persona, "procs")
        boot = self.persona.booted_at
        family = self.family
        shell_name = {"alpine": "-ash", "kali": "-zsh", "freebsd": "-sh", "busybox": "-sh"}.get(
            family, "-bash"
        )
        sshd = "sshd"
        if family == "freebsd":
            daemons = [
                ("root", "[kernel]"),
                ("root", "/sbin/init"),
                ("root", "[KSTACK]"),
                ("root", "[geom]"),
                ("root", "[rand_harvestq]"),
                ("root", "[pagedaemon]"),
                ("root", "[vmdaemon]"),
                ("root", "[bufdaemon]"),
                ("root", "[syncer]"),
                ("root", "/sbin/devd"),
                ("root", "/usr/sbin/syslogd -s"),
                ("ntpd", "/usr/sbin/ntpd -p /var/db/ntp/ntpd.pid -c /etc/ntp.conf -f /var/db/ntpd.drift -g"),
                ("root", "/usr/sbin/cron -s"),
                ("root", "sshd: /usr/sbin/sshd [listener] 0 of 10-100 startups (sshd)"),
                ("root", "/usr/libexec/getty Pc ttyv0"),
            ]
        elif family == "busybox":
            sshd = "dropbear"
            daemons = [
                ("root", "/sbin/init"),
                ("root", "[kthreadd]"),
                ("root", "[ksoftirqd/0]"),
                ("root", "[kworker/0:0H]"),
                ("root", "/sbin/syslogd -n"),
                ("root", "/sbin/klogd -n"),
                ("root", "/sbin/udhcpc -p /var/run/udhcpc.pid -s /etc/udhcpc.script -f -t 0 -i eth0"),
                ("root", "/usr/sbin/crond -c /etc/crontabs"),
                ("root", "/usr/sbin/dropbear -F -P /var/run/dropbear.pid -p 22 -K 300 -T 3"),
                ("root", "/usr/sbin/httpd -p 80 -h /www"),
                ("root", "/sbin/getty -L ttyS0 115200 vt100"),
            ]
        elif family == "alpine":
            daemons = [
                ("root", "/sbin/init"),
                ("root", "/sbin/syslogd -t -n"),
                ("root", "/sbin/getty 38400 tty1"),
                ("root", "/usr/sbin/crond -c /etc/crontabs -f"),
                ("root", "sshd: /usr/sbin/sshd [listener] 0 of 10-100 startups"),
            ]
        else:
            init = (
                "/sbin/init"
                if family in {"ubuntu", "debian", "kali"}
                else "/usr/lib/systemd/systemd --switched-root --system --deserialize 31"
            )
            daemons = [
                ("root", init),
                ("root", "[kthreadd]"),
                ("root", "[rcu_gp]"),
                ("root", "[kworker/0:0H-events_highpri]"),
                ("root", "[ksoftirqd/0]"),
                ("root", "[migration/0]"),
                ("root", "[kdevtmpfs]"),
                ("root", "[khugepaged]"),
                (
                    "root",
                    "/lib/systemd/systemd-journald"
                    if family != "rhel"
                    else "/usr/lib/systemd/systemd-journald",
                ),
                (
                    "root",
                    "/lib/systemd/systemd-udevd" if family != "rhel" else "/usr/lib/systemd/systemd-udevd",
                ),
            ]
            if family in {"ubuntu", "debian", "kali", "arch"}:
                daemons += [
                    ("systemd+", "/lib/systemd/systemd-networkd"),
                    ("systemd+", "/lib/systemd/systemd-resolved"),
                    ("systemd+", "/lib/systemd/systemd-timesyncd"),
                ]
            if family == "ubuntu":
                daemons += [
                    ("root", "/usr/bin/python3 /usr/bin/networkd-dispatcher --run-startup-triggers"),
                    ("syslog", "/usr/sbin/rsyslogd -n -iNONE"),
                    ("root", "/usr/libexec/udisks2/udisksd"),
                    ("root", "/sbin/agetty -o -p -- \\u --noclear tty1 linux"),
                ]
            elif family == "rhel":
                daemons += [
                    ("root", "/usr/sbin/NetworkManager --no-daemon"),
                    ("root", "/usr/sbin/rsyslogd -n"),
                    ("chrony", "/usr/sbin/chronyd -F 2"),
                    ("root", "/sbin/agetty -o -p -- \\u --noclear - linux"),
                ]
            else:
                daemons += [
                    ("root", "/usr/sbin/rsyslogd -n -iNONE"),
                    ("root", "/sbin/agetty -o -p -- \\u --noclear - linux"),
                ]
            daemons += [
                (
                    "message+",
                    "/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile "
                    "--systemd-activation --syslog-only",
                ),
                (
                    "root",
                    "/lib/systemd/systemd-logind" if family != "rhel" else "/usr/lib/systemd/systemd-logind",
                ),
                ("root", "/usr/sbin/cron -f -P" if family != "rhel" else "/usr/sbin/crond -n"),
                ("root", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
            ]
        procs: list[Proc] = []
        pid = 1
        for user, command in daemons:
            kernel_thread = command.startswith("[")
            vsz = 0 if kernel_thread else rng.randint(6000, 300_000)
            rss = 0 if kernel_thread else rng.randint(1500, min(60_000, vsz))
            stat = "I<" if kernel_thread and "kworker" in command else "S" if kernel_thread else "Ss"
            started = boot + timedelta(seconds=pid if pid < 20 else rng.randint(2, 40))
            procs.append(
                Proc(
                    pid,
                    0 if pid == 1 else (2 if kernel_thread else 1),
                    user,
                    command,
                    vsz,
                    rss,
                    stat,
                    started=started,
                    cpu_time_s=rng.randint(0, 400),
                )
            )
            pid += rng.randint(1, 6) if pid < 20 else rng.randint(20, 300)
        now = self.now()
        sshd_pid = shell_pid - 2
        if sshd == "dropbear":
            listener = procs[-1].pid
            procs.append(
                Proc(
                    sshd_pid + 1,
                    listener,
                    "root",
                    "/usr/sbin/dropbear -F -P /var/run/dropbear.pid -p 22 -K 300 -T 3",
                    1192,
                    780,
                    "S",
                    started=now,
                )
            )
        else:
            procs.append(
                Proc(
                    sshd_pid, procs[-1].pid, "root", f"sshd: {login} [priv]", 17200, 10900, "Ss", started=now
                )
            )
            procs.append(
                Proc(sshd_pid + 1, sshd_pid, login, f"sshd: {login}@{tty}", 17480, 6900, "S", started=now)
            )
        procs.append(Proc(shell_pid, sshd_pid + 1, login, shell_name, 8800, 5500, "Ss", tty=tty, started=now))
        return procs
