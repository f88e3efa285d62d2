"""A small in-memory filesystem per shell session, built from the persona.

Reads come from persona-derived content; writes (``echo x > /tmp/a``, ``mkdir``, ``chmod``)
change only this session's copy, within a byte and node budget. Nothing touches the real disk.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from decnet.services.ssh.system import Account, System, seeded, unavailable

#: Budget of what one session may write into its filesystem.
MAX_WRITTEN_BYTES = 1 << 20
MAX_CREATED_NODES = 512
MAX_PATH_LEN = 4096
_SYMLINK_HOPS = 8

Content = str | Callable[[], str]


class FSError(Exception):
    """A failed filesystem operation; ``str()`` is the errno text (``No such file or directory``)."""


ENOENT = "No such file or directory"
EACCES = "Permission denied"
ENOTDIR = "Not a directory"
EISDIR = "Is a directory"
EEXIST = "File exists"
ENOTEMPTY = "Directory not empty"
ENOSPC = "No space left on device"


@dataclass(slots=True, eq=False)
class Node:
    """A file (``f``), directory (``d``) or symlink (``l``)."""

    kind: str
    mode: int
    uid: int = 0
    gid: int = 0
    mtime: datetime | None = None
    content: Content | None = None
    size: int | None = None
    target: str = ""
    children: dict[str, Node] = field(default_factory=dict)

    def text(self) -> str:
        """The file's content (binaries read as a short ELF-looking prefix)."""
        if callable(self.content):
            return self.content()
        if self.content is None:
            return "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00\x00\x00"
        return self.content

    def length(self) -> int:
        """Size in bytes as `ls -l` shows it."""
        if self.kind == "d":
            return 4096
        if self.kind == "l":
            return len(self.target)
        if self.size is not None:
            return self.size
        if callable(self.content):
            return 0  # like /proc files
        return len((self.content or "").encode())


_BIN_COMMON = (  # noqa: SIM905 - a word list reads best as text
    "apt apt-get awk base64 basename bash cat chgrp chmod chown cp crontab curl cut date dd df diff "
    "dirname du echo egrep env expr false fgrep find free grep groups gzip head hostname id ip kill "
    "killall last less ln locale logger login ls lsblk lscpu md5sum mkdir mktemp more mount mv nano "
    "netstat nohup nproc passwd perl ping printf ps pwd python3 readlink rm rmdir scp sed sftp sh "
    "sha256sum sleep sort ss ssh stat su sudo sync tail tar tee top touch tr true uname uniq uptime "
    "users vi vim w wc wget whereis which who whoami xargs yes zcat"
).split()
_SBIN_COMMON = (  # noqa: SIM905 - a word list reads best as text
    "agetty blkid chpasswd cron fdisk ifconfig init iptables ldconfig mkfs modprobe reboot route "
    "shutdown sshd sysctl useradd userdel usermod visudo"
).split()


def _sh_rc(system: System, account: Account) -> str:
    if system.family in {"ubuntu", "debian", "kali"}:
        return (
            "# ~/.bashrc: executed by bash(1) for non-login shells.\n\n"
            "# If not running interactively, don't do anything\n"
            "case $- in\n    *i*) ;;\n      *) return;;\nesac\n\n"
            "HISTCONTROL=ignoreboth\nshopt -s histappend\nHISTSIZE=1000\nHISTFILESIZE=2000\n"
            "shopt -s checkwinsize\n\n"
            "if [ -x /usr/bin/dircolors ]; then\n"
            '    test -r ~/.dircolors && eval "$(dircolors -b ~/.dircolors)" || eval "$(dircolors -b)"\n'
            "    alias ls='ls --color=auto'\n    alias grep='grep --color=auto'\nfi\n\n"
            "alias ll='ls -alF'\nalias la='ls -A'\nalias l='ls -CF'\n\n"
            "if [ -f ~/.bash_aliases ]; then\n    . ~/.bash_aliases\nfi\n"
        )
    if system.family == "rhel":
        return (
            "# .bashrc\n\n# Source global definitions\nif [ -f /etc/bashrc ]; then\n\t. /etc/bashrc\nfi\n\n"
            "# User specific environment\n"
            'if ! [[ "$PATH" =~ "$HOME/.local/bin:$HOME/bin:" ]]\nthen\n'
            '    PATH="$HOME/.local/bin:$HOME/bin:$PATH"\nfi\nexport PATH\n\n'
            + ("alias rm='rm -i'\nalias cp='cp -i'\nalias mv='mv -i'\n" if account.uid == 0 else "")
        )
    return "# ~/.bashrc\n\nalias ls='ls --color=auto'\nPS1='[\\u@\\h \\W]\\$ '\n"


_PROFILE = (
    "# ~/.profile: executed by the command interpreter for login shells.\n\n"
    'if [ -n "$BASH_VERSION" ]; then\n    if [ -f "$HOME/.bashrc" ]; then\n'
    '\t. "$HOME/.bashrc"\n    fi\nfi\n\n'
    'if [ -d "$HOME/bin" ] ; then\n    PATH="$HOME/bin:$PATH"\nfi\n'
)

_FREEBSD_SHRC = (
    "# $FreeBSD$\n#\n# .shrc - bourne shell startup file\n\numask 022\n\nalias h='fc -l'\nalias j=jobs\n"
    "alias m=\"$PAGER\"\nalias ll='ls -laFo'\nalias l='ls -l'\nalias g='egrep -i'\n\n"
    "# set prompt: ``username@hostname:directory $ ''\nPS1=\"\\u@\\h:\\w \\\\$ \"\n"
)

#: Commands a family ships beyond the common set.
_EXTRA_BINS: dict[str, tuple[str, ...]] = {
    "freebsd": ("fetch", "freebsd-version", "pkg", "service", "sockstat", "sysrc", "pw", "csh", "tcsh"),
}

_HISTORY_POOL = (
    "ls -la",
    "df -h",
    "free -m",
    "uptime",
    "sudo apt update",
    "sudo apt upgrade -y",
    "top",
    "systemctl status sshd",
    "tail -n 50 /var/log/syslog",
    "cd /var/www",
    "ps aux | grep nginx",
    "sudo systemctl restart nginx",
    "cat /etc/hosts",
    "ip a",
    "journalctl -xe",
    "crontab -l",
    "du -sh /var/log/*",
    "history",
    "vim /etc/ssh/sshd_config",
    "exit",
)


class FakeFS:
    """The filesystem one shell session sees."""

    def __init__(self, system: System, files: dict[str, Content] | None = None) -> None:
        self.system = system
        self.written = 0
        self.created = 0
        rng = seeded(system.persona, "fs")
        self._installed = system.persona.booted_at - timedelta(days=rng.randint(40, 700))
        self._rng = rng
        self.root = Node("d", 0o755, mtime=self._installed)
        self._build()
        for path, content in (files or {}).items():
            self.add_file(path, content)

    # ------------------------------------------------------------------ construction

    def _stamp(self, spread_days: int = 30) -> datetime:
        return self._installed + timedelta(
            days=self._rng.randint(0, spread_days), seconds=self._rng.randint(0, 86399)
        )

    def _owner(self, owner: str) -> tuple[int, int]:
        account = self.system.accounts.get(owner)
        return (account.uid, account.gid) if account else (0, 0)

    def add_dir(self, path: str, mode: int = 0o755, owner: str = "root") -> Node:
        """Create directory ``path`` (and its parents) during construction."""
        node = self.root
        for part in [p for p in path.split("/") if p]:
            child = node.children.get(part)
            if child is None:
                uid, gid = self._owner(owner)
                child = Node("d", mode, uid, gid, self._stamp())
                node.children[part] = child
            node = child
        return node

    def add_file(
        self,
        path: str,
        content: Content | None,
        mode: int = 0o644,
        owner: str = "root",
        group: str | None = None,
        size: int | None = None,
    ) -> Node:
        """Create file ``path`` during construction."""
        parent, name = posixpath.split(path)
        directory = self.add_dir(parent)
        uid, gid = self._owner(owner)
        if group is not None:
            gid = next((g for a in self.system.accounts.values() for g, n in a.groups if n == group), gid)
        node = Node("f", mode, uid, gid, self._stamp(), content, size)
        directory.children[name] = node
        return node

    def add_link(self, path: str, target: str) -> None:
        """Create symlink ``path`` -> ``target`` during construction."""
        parent, name = posixpath.split(path)
        self.add_dir(parent).children[name] = Node("l", 0o777, mtime=self._installed, target=target)

    def _build(self) -> None:
        system = self.system
        family = system.family
        persona = system.persona
        merged_usr = family not in {"alpine", "busybox", "freebsd"}
        linux = family != "freebsd"
        for path in (
            "boot",
            "dev",
            "etc",
            "home",
            "media",
            "mnt",
            "opt",
            "proc",
            "run",
            "srv",
            "sys",
            "usr/bin",
            "usr/sbin",
            "usr/lib",
            "usr/local/bin",
            "usr/share",
            "var/log",
            "var/lib",
            "var/cache",
            "var/spool",
            "var/backups",
            "var/mail",
            "var/tmp",
            "etc/ssh",
            "etc/cron.d",
            "etc/cron.daily",
            *(("etc/systemd/system", "etc/default") if linux and not system.busybox else ()),
        ):
            if path in {"proc", "sys", "run", "srv"} and not linux:
                continue
            self.add_dir(path)
        self.add_dir("tmp", 0o1777)
        self.add_dir("var/tmp", 0o1777)
        self.add_dir("dev/shm", 0o1777)
        self.add_dir("root", 0o700)
        for name in (".ICE-unix", ".X11-unix", ".XIM-unix", ".font-unix", ".Test-unix"):
            self.add_dir(f"tmp/{name}", 0o1777)
        if linux and not system.busybox:
            token = seeded(persona, "tmp").getrandbits(128)
            self.add_dir(
                f"tmp/systemd-private-{token:032x}-systemd-logind.service-{token % 999999:06x}", 0o700
            )
        bin_dir, sbin_dir = ("usr/bin", "usr/sbin") if merged_usr or not linux else ("bin", "sbin")
        missing = unavailable(family)
        for name in _BIN_COMMON:
            if name not in missing:
                self.add_file(f"{bin_dir}/{name}", None, 0o755, size=self._rng.randint(18_000, 1_400_000))
        for name in _SBIN_COMMON:
            if name not in missing:
                self.add_file(f"{sbin_dir}/{name}", None, 0o755, size=self._rng.randint(18_000, 900_000))
        for name in _EXTRA_BINS.get(family, ()):
            self.add_file(f"{bin_dir}/{name}", None, 0o755, size=self._rng.randint(18_000, 400_000))
        if merged_usr:
            for link in ("bin", "sbin", "lib"):
                self.add_link(link, f"usr/{link}")
            self.add_link("lib64", "usr/lib64")
        elif linux:
            self.add_file("bin/busybox", None, 0o755, size=827_480)
        else:
            for name in (
                "sh",
                "csh",
                "ls",
                "cat",
                "cp",
                "mv",
                "rm",
                "mkdir",
                "chmod",
                "echo",
                "ps",
                "kill",
                "hostname",
                "date",
                "df",
                "pwd",
                "sleep",
                "test",
            ):
                self.add_file(f"bin/{name}", None, 0o555, size=self._rng.randint(9_000, 200_000))
            for name in (
                "ifconfig",
                "route",
                "sysctl",
                "init",
                "reboot",
                "shutdown",
                "mount",
                "dmesg",
                "ping",
            ):
                self.add_file(f"sbin/{name}", None, 0o555, size=self._rng.randint(9_000, 200_000))
        for dev in ("null", "zero", "random", "urandom", "tty", "sda", "sda1", "console"):
            self.add_file(
                f"dev/{dev}", "", 0o666 if dev in {"null", "zero", "random", "urandom", "tty"} else 0o660
            )
        self.add_dir("dev/pts")
        # /etc
        self.add_file("etc/passwd", system.passwd)
        self.add_file("etc/group", system.group)
        if linux:
            self.add_file("etc/shadow", system.shadow, 0o640, group="shadow" if family != "rhel" else "root")
        else:
            self.add_file("etc/master.passwd", system.shadow, 0o600)
            self.add_file("etc/rc.conf", self._rc_conf())
        self.add_file("etc/hostname", persona.hostname + "\n")
        self.add_file("etc/hosts", self._hosts())
        if system.os_release():
            self.add_file("etc/os-release", system.os_release())
        if system.issue():
            self.add_file("etc/issue", system.issue())
        self.add_file("etc/resolv.conf", self._resolv())
        if linux and not system.busybox:
            self.add_file("etc/machine-id", system.machine_id + "\n", 0o444)
        self.add_file("etc/timezone", "Etc/UTC\n")
        self.add_file(
            "etc/fstab",
            f"UUID={system.machine_id[:8]}-{system.machine_id[8:12]}-"
            f"{system.machine_id[12:16]}-{system.machine_id[16:20]}-"
            f"{system.machine_id[20:32]} /  ext4  defaults  0 1\n",
        )
        self.add_file("etc/crontab", _CRONTAB)
        if family == "busybox":
            self.add_dir("etc/dropbear", 0o700)
            self.add_file("etc/dropbear/dropbear_rsa_host_key", None, 0o600, size=805)
        else:
            self.add_file("etc/ssh/sshd_config", self._sshd_config(), 0o644)
        self.add_file(
            "etc/sudoers", "Defaults\tenv_reset\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n", 0o440
        )
        for key in ("rsa", "ecdsa", "ed25519") if family != "busybox" else ():
            self.add_file(f"etc/ssh/ssh_host_{key}_key", "", 0o600)
            self.add_file(f"etc/ssh/ssh_host_{key}_key.pub", "", 0o644)
        if family in {"ubuntu", "debian", "kali"}:
            version = {"ubuntu": "bookworm/sid", "kali": "kali-rolling"}.get(family, "12.5")
            self.add_file("etc/debian_version", version + "\n")
            self.add_dir("etc/apt/sources.list.d")
        if family == "ubuntu":
            release = system.os_release()
            codename = next(
                (
                    line.split("=", 1)[1]
                    for line in release.splitlines()
                    if line.startswith("VERSION_CODENAME=")
                ),
                "jammy",
            )
            version_id = next(
                (
                    line.split("=", 1)[1].strip('"')
                    for line in release.splitlines()
                    if line.startswith("VERSION_ID=")
                ),
                "22.04",
            )
            self.add_file(
                "etc/lsb-release",
                f"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE={version_id}\n"
                f"DISTRIB_CODENAME={codename}\n"
                f'DISTRIB_DESCRIPTION="{persona.distro_name}"\n',
            )
        if family == "rhel":
            self.add_file("etc/redhat-release", persona.distro_name + "\n")
            self.add_dir("etc/yum.repos.d")
        if family == "alpine":
            self.add_file(
                "etc/alpine-release", system.os_release().split("VERSION_ID=")[1].split("\n")[0] + "\n"
            )
        if linux:
            self._add_proc()
        self._add_homes()
        self._add_logs()

    def _add_proc(self) -> None:
        system = self.system
        persona = system.persona
        self.add_file("proc/cpuinfo", system.cpuinfo, 0o444)
        self.add_file("proc/meminfo", system.meminfo, 0o444)
        self.add_file("proc/version", system.proc_version, 0o444)
        self.add_file(
            "proc/uptime",
            lambda: (
                f"{system.uptime_seconds():.2f} {system.uptime_seconds() * 0.93 * persona.cpu_count:.2f}\n"
            ),
            0o444,
        )
        self.add_file(
            "proc/loadavg", lambda: " ".join(f"{v:.2f}" for v in system.loadavg()) + " 1/187 4321\n", 0o444
        )
        self.add_file("proc/mounts", self._mounts, 0o444)
        self.add_file(
            "proc/cmdline", f"BOOT_IMAGE=/boot/vmlinuz-{persona.kernel} root=/dev/sda1 ro quiet\n", 0o444
        )

    def _add_homes(self) -> None:
        system = self.system
        persona = system.persona
        family = system.family
        if family == "freebsd":
            self.add_dir("usr/home")
            self.root.children.pop("home", None)
            self.add_link("home", "usr/home")
        for account in system.accounts.values():
            if account.uid != 0 and not 1000 <= account.uid < 60000:
                continue
            home = account.home.lstrip("/")
            if family == "freebsd" and home.startswith("home/"):
                home = "usr/" + home
            self.add_dir(home, 0o700 if account.uid == 0 or family == "rhel" else 0o750, account.name)
            if family == "busybox":
                continue
            if family == "freebsd":
                self.add_file(f"{home}/.shrc", _FREEBSD_SHRC, owner=account.name)
            else:
                self.add_file(f"{home}/.bashrc", _sh_rc(system, account), owner=account.name)
            self.add_file(
                f"{home}/.profile" if family != "rhel" else f"{home}/.bash_profile",
                _PROFILE,
                owner=account.name,
            )
            if family in {"ubuntu", "debian", "kali"} and account.uid:
                self.add_file(
                    f"{home}/.bash_logout",
                    "# ~/.bash_logout: executed by bash(1) when login shell exits.\n",
                    owner=account.name,
                )
            self.add_dir(f"{home}/.ssh", 0o700, account.name)
            self.add_file(f"{home}/.ssh/authorized_keys", "", 0o600, owner=account.name)
            rng = seeded(persona, f"history:{account.name}")
            lines = rng.sample(_HISTORY_POOL, k=rng.randint(4, 9))
            history = (
                ".sh_history"
                if family == "freebsd"
                else ".ash_history"
                if family == "alpine"
                else (".bash_history")
            )
            self.add_file(
                f"{home}/{history}", "".join(f"{line}\n" for line in lines), 0o600, owner=account.name
            )
            if family == "ubuntu":
                self.add_dir(f"{home}/.cache", 0o700, account.name)

    def _add_logs(self) -> None:
        family = self.system.family
        if family == "busybox":
            self.add_file("var/log/messages", "", 0o644)
            return
        log_group = "adm" if family in {"ubuntu", "debian", "kali"} else "root"
        auth_log = "auth.log" if family in {"ubuntu", "debian", "kali", "freebsd"} else "secure"
        syslog = "syslog" if family in {"ubuntu", "debian", "kali"} else "messages"
        owner = "syslog" if family == "ubuntu" else "root"
        self.add_file(f"var/log/{auth_log}", self._auth_log, 0o640, owner=owner, group=log_group)
        self.add_file(f"var/log/{syslog}", "", 0o640, owner=owner, group=log_group)
        self.add_file("var/log/wtmp", None, 0o664, size=self._rng.randint(20_000, 90_000))
        self.add_file("var/log/btmp", None, 0o660, size=self._rng.randint(100_000, 9_000_000))
        self.add_file("var/log/lastlog", None, 0o664, size=292_292)
        if family in {"ubuntu", "debian", "kali"}:
            self.add_file("var/log/dpkg.log", "", 0o644)
            self.add_dir("var/log/apt")
            self.add_file("var/log/kern.log", "", 0o640, owner=owner, group=log_group)
        if family == "freebsd":
            return
        self.add_dir("var/log/journal", 0o2755)
        self.add_dir("var/www/html")
        self.add_dir("var/spool/cron/crontabs", 0o1730)

    def _hosts(self) -> str:
        name = self.system.persona.hostname
        short = self.system.short_hostname
        if self.system.family == "rhel":
            return (
                "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                "::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n"
            )
        alias = f"{name} {short}" if name != short else short
        return (
            f"127.0.0.1 localhost\n127.0.1.1 {alias}\n\n"
            "# The following lines are desirable for IPv6 capable hosts\n"
            "::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\n"
            "ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"
        )

    def _rc_conf(self) -> str:
        iface = self.system.interface()
        mask = f"0x{int(iface.netmask):08x}" if iface.version == 4 else "64"
        return (
            f'hostname="{self.system.persona.hostname}"\nifconfig_em0="inet {iface.ip} netmask {mask}"\n'
            f'defaultrouter="{self.system.gateway()}"\nsshd_enable="YES"\nntpd_enable="YES"\n'
            'moused_nondefault_enable="NO"\ndumpdev="AUTO"\nzfs_enable="YES"\n'
        )

    def _resolv(self) -> str:
        if self.system.family == "ubuntu":
            return (
                "# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n"
                "# Do not edit.\n#\n"
                '# Run "resolvectl status" to see details about the uplink DNS servers\n'
                "# currently in use.\n\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n"
            )
        return f"nameserver {self.system.gateway()}\n"

    def _sshd_config(self) -> str:
        root_login = (
            "yes"
            if "root" in self.system.accounts and any(a.uid == 0 for a in self.system.accounts.values())
            else "prohibit-password"
        )
        sftp = {
            "rhel": "/usr/libexec/openssh/sftp-server",
            "alpine": "/usr/lib/ssh/sftp-server",
            "arch": "/usr/lib/ssh/sftp-server",
        }.get(self.system.family, "/usr/lib/openssh/sftp-server")
        return (
            "Include /etc/ssh/sshd_config.d/*.conf\n\n#Port 22\n#AddressFamily any\n"
            "#ListenAddress 0.0.0.0\n\n"
            f"#LoginGraceTime 2m\nPermitRootLogin {root_login}\n#StrictModes yes\n#MaxAuthTries 6\n"
            "#MaxSessions 10\n\n#PubkeyAuthentication yes\n\nPasswordAuthentication yes\n"
            "KbdInteractiveAuthentication no\n\nUsePAM yes\n\nX11Forwarding yes\nPrintMotd no\n\n"
            f"AcceptEnv LANG LC_*\n\nSubsystem\tsftp\t{sftp}\n"
        )

    def _mounts(self) -> str:
        lines = [
            "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
            "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
            "devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000 0 0",
        ]
        for device, fstype, _size, _used, mount in self.system.filesystems():
            lines.append(f"{device} {mount} {fstype} rw,relatime 0 0")
        return "\n".join(lines) + "\n"

    def _auth_log(self) -> str:
        system = self.system
        when = system.last_login_at
        host = system.short_hostname
        login = next((a.name for a in system.accounts.values() if a.uid >= 1000), "root")
        pid = system.pid_base + 311
        return (
            f"{when:%b %e %H:%M:%S} {host} sshd[{pid}]: Accepted password for {login} from "
            f"{system.last_login_from} port {40000 + pid % 20000} ssh2\n"
            f"{when:%b %e %H:%M:%S} {host} sshd[{pid}]: pam_unix(sshd:session): session opened for user "
            f"{login}(uid={system.account(login).uid}) by (uid=0)\n"
        )

    # ------------------------------------------------------------------ paths

    @staticmethod
    def normalize(path: str, cwd: str) -> str:
        """Absolute, ``.``/``..``-free form of ``path`` relative to ``cwd`` (no symlink resolution)."""
        joined = posixpath.join(cwd, path) if not path.startswith("/") else path
        normal = posixpath.normpath(joined)
        return "/" + normal.lstrip("/") if normal != "/" else "/"

    def _walk(self, abs_path: str, follow_last: bool, hops: int = 0) -> tuple[Node | None, str]:
        if len(abs_path) > MAX_PATH_LEN:
            raise FSError("File name too long")
        parts = [p for p in abs_path.split("/") if p]
        node = self.root
        current = "/"
        for index, part in enumerate(parts):
            if node.kind != "d":
                raise FSError(ENOTDIR)
            child = node.children.get(part)
            if child is None:
                return None, posixpath.join(current, part)
            last = index == len(parts) - 1
            if child.kind == "l" and (follow_last or not last):
                if hops >= _SYMLINK_HOPS:
                    raise FSError("Too many levels of symbolic links")
                target = self.normalize(child.target, current)
                rest = "/".join(parts[index + 1 :])
                return self._walk(posixpath.join(target, rest) if rest else target, follow_last, hops + 1)
            node = child
            current = posixpath.join(current, part)
        return node, current

    def lookup(self, path: str, cwd: str, follow: bool = True) -> Node | None:
        """The node at ``path`` or ``None``; raises :class:`FSError` for ENOTDIR and loops."""
        return self._walk(self.normalize(path, cwd), follow)[0]

    def realpath(self, path: str, cwd: str) -> str:
        """``path`` with symlinks resolved (as `cd -P` / `readlink -f`)."""
        node, resolved = self._walk(self.normalize(path, cwd), True)
        return resolved if node is not None else self.normalize(path, cwd)

    # ------------------------------------------------------------------ permissions

    @staticmethod
    def allowed(account: Account, node: Node, want: str) -> bool:
        """Whether ``account`` may ``r``/``w``/``x`` ``node``."""
        bit = {"r": 4, "w": 2, "x": 1}[want]
        if account.uid == 0:
            return want != "x" or node.kind == "d" or bool(node.mode & 0o111)
        if node.uid == account.uid:
            return bool((node.mode >> 6) & bit)
        if node.gid in {gid for gid, _ in account.groups} or node.gid == account.gid:
            return bool((node.mode >> 3) & bit)
        return bool(node.mode & bit)

    def _reachable(self, account: Account, abs_path: str) -> None:
        """Raise EACCES if a directory on the way to ``abs_path`` is not searchable."""
        node = self.root
        for part in [p for p in posixpath.dirname(abs_path).split("/") if p]:
            child = node.children.get(part)
            if child is None or child.kind == "l":
                return
            if child.kind == "d" and not self.allowed(account, child, "x"):
                raise FSError(EACCES)
            node = child

    def stat(self, path: str, cwd: str, account: Account, follow: bool = True) -> Node:
        """The node at ``path``, checking search permission; raises :class:`FSError`."""
        abs_path = self.normalize(path, cwd)
        self._reachable(account, abs_path)
        node = self._walk(abs_path, follow)[0]
        if node is None:
            raise FSError(ENOENT)
        return node

    def read(self, path: str, cwd: str, account: Account) -> str:
        """Content of file ``path`` as ``account``; raises :class:`FSError`."""
        node = self.stat(path, cwd, account)
        if node.kind == "d":
            raise FSError(EISDIR)
        if not self.allowed(account, node, "r"):
            raise FSError(EACCES)
        return node.text()

    def listdir(self, path: str, cwd: str, account: Account) -> list[tuple[str, Node]]:
        """Sorted entries of directory ``path``; raises :class:`FSError`."""
        node = self.stat(path, cwd, account)
        if node.kind != "d":
            raise FSError(ENOTDIR)
        if not self.allowed(account, node, "r"):
            raise FSError(EACCES)
        return sorted(node.children.items(), key=lambda item: item[0].lstrip(".").lower())

    # ------------------------------------------------------------------ writes

    def _parent_for_write(self, path: str, cwd: str, account: Account) -> tuple[Node, str]:
        abs_path = self.normalize(path, cwd)
        if abs_path == "/":
            raise FSError(EISDIR)
        parent_path, name = posixpath.split(abs_path)
        parent = self.stat(parent_path, "/", account)
        if parent.kind != "d":
            raise FSError(ENOTDIR)
        if not self.allowed(account, parent, "w"):
            raise FSError(EACCES)
        return parent, name

    def _charge(self, nbytes: int, nodes: int = 0) -> None:
        if self.written + nbytes > MAX_WRITTEN_BYTES or self.created + nodes > MAX_CREATED_NODES:
            raise FSError(ENOSPC)
        self.written += max(0, nbytes)
        self.created += nodes

    def write(self, path: str, cwd: str, account: Account, data: str, append: bool = False) -> None:
        """Write (or append) ``data`` to file ``path``; raises :class:`FSError`."""
        abs_path = self.normalize(path, cwd)
        if abs_path in {"/dev/null", "/dev/zero"}:
            return
        existing = self._walk(abs_path, True)[0] if abs_path != "/" else self.root
        if existing is not None:
            if existing.kind == "d":
                raise FSError(EISDIR)
            if not self.allowed(account, existing, "w"):
                raise FSError(EACCES)
            if callable(existing.content) or existing.content is None:
                raise FSError(EACCES if abs_path.startswith("/proc") else "Text file busy")
            old = existing.content if append else ""
            self._charge(len(data.encode()))
            existing.content = old + data
            existing.size = None
            existing.mtime = self.system.now()
            return
        parent, name = self._parent_for_write(path, cwd, account)
        self._charge(len(data.encode()), 1)
        parent.children[name] = Node(
            "f", 0o644 if account.uid == 0 else 0o664, account.uid, account.gid, self.system.now(), data
        )

    def mkdir(self, path: str, cwd: str, account: Account, parents: bool = False) -> None:
        """Create directory ``path``; raises :class:`FSError`."""
        abs_path = self.normalize(path, cwd)
        if parents:
            current = "/"
            for part in [p for p in abs_path.split("/") if p]:
                current = posixpath.join(current, part)
                node = self._walk(current, True)[0]
                if node is None:
                    self.mkdir(current, "/", account)
                elif node.kind != "d":
                    raise FSError(ENOTDIR)
            return
        if self._walk(abs_path, False)[0] is not None:
            raise FSError(EEXIST)
        parent, name = self._parent_for_write(abs_path, "/", account)
        self._charge(0, 1)
        parent.children[name] = Node(
            "d", 0o755 if account.uid == 0 else 0o775, account.uid, account.gid, self.system.now()
        )

    def remove(self, path: str, cwd: str, account: Account, recursive: bool = False) -> None:
        """Remove ``path``; raises :class:`FSError`."""
        abs_path = self.normalize(path, cwd)
        node = self._walk(abs_path, False)[0]
        if node is None:
            raise FSError(ENOENT)
        if node.kind == "d" and not recursive:
            raise FSError(EISDIR)
        parent, name = self._parent_for_write(abs_path, "/", account)
        if parent.mode & 0o1000 and account.uid not in {0, node.uid}:
            raise FSError("Operation not permitted")
        if abs_path.startswith(("/proc", "/sys", "/dev")) and node.kind == "d":
            raise FSError("Operation not permitted")
        del parent.children[name]

    def chmod(self, path: str, cwd: str, account: Account, mode: int) -> None:
        """Change the mode of ``path``; raises :class:`FSError`."""
        node = self.stat(path, cwd, account)
        if account.uid not in {0, node.uid}:
            raise FSError("Operation not permitted")
        node.mode = mode & 0o7777

    def copy(self, src: str, dst: str, cwd: str, account: Account) -> None:
        """Copy file ``src`` to ``dst`` (a file or directory)."""
        data = self.read(src, cwd, account)
        target = self.lookup(dst, cwd)
        if target is not None and target.kind == "d":
            dst = posixpath.join(self.normalize(dst, cwd), posixpath.basename(self.normalize(src, cwd)))
        self.write(dst, cwd, account, data)

    def move(self, src: str, dst: str, cwd: str, account: Account) -> None:
        """Rename ``src`` to ``dst`` (a new name or a directory)."""
        src_abs = self.normalize(src, cwd)
        node = self._walk(src_abs, False)[0]
        if node is None:
            raise FSError(ENOENT)
        target = self.lookup(dst, cwd)
        dst_abs = self.normalize(dst, cwd)
        if target is not None and target.kind == "d":
            dst_abs = posixpath.join(dst_abs, posixpath.basename(src_abs))
        src_parent, src_name = self._parent_for_write(src_abs, "/", account)
        dst_parent, dst_name = self._parent_for_write(dst_abs, "/", account)
        del src_parent.children[src_name]
        dst_parent.children[dst_name] = node

    def walk(self, path: str, cwd: str, account: Account, limit: int = 2000) -> Iterator[tuple[str, Node]]:
        """Depth-first (path, node) pairs below ``path`` (as `find`), at most ``limit``."""
        start = self.normalize(path, cwd)
        stack = [(start, self.stat(path, cwd, account))]
        count = 0
        while stack and count < limit:
            current, node = stack.pop()
            count += 1
            yield current, node
            if node.kind == "d" and self.allowed(account, node, "r") and self.allowed(account, node, "x"):
                for name, child in sorted(node.children.items(), reverse=True):
                    stack.append((posixpath.join(current, name), child))


_CRONTAB = (
    "# /etc/crontab: system-wide crontab\n# Unlike any other crontab you don't have to run the `crontab'\n"
    "# command to install the new version when you edit this file\n# and files in /etc/cron.d.\n\n"
    "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n"
    "# m h dom mon dow user\tcommand\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n"
    "25 6\t* * *\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )\n"
    "47 6\t* * 7\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.weekly )\n"
    "52 6\t1 * *\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.monthly )\n#\n"
)
