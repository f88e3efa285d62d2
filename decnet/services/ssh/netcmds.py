"""Fake download, network, privilege and administration commands.

Download tools (wget, curl, tftp, ftpget, busybox variants, git clone) record each URL as a
``download`` event and then fail the way the real tool fails on a host without egress, after
a short pause. Nothing is ever fetched or connected to.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
from urllib.parse import urlsplit

from decnet.services.ssh.cmdutil import LQ, REGISTRY, RQ, command, getopt
from decnet.services.ssh.fakefs import FSError
from decnet.services.ssh.shell import Invocation, clip

#: How long a tool "tries" before failing (seconds).
CONNECT_DELAY_S = 1.2
DNS_DELAY_S = 0.6
TFTP_TIMEOUT_S = 5.0
MAX_URLS = 16


def _host_port(url: str, default_port: int) -> tuple[str, int, bool]:
    """(host, port, is_ip) of ``url``."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = parts.hostname or ""
        port = parts.port or default_port
    except ValueError:
        host, port = url.split("/", 1)[0], default_port
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        is_ip = False
    return host, port, is_ip


def _normalize_url(url: str, scheme: str = "http") -> str:
    return url if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url) else f"{scheme}://{url}"


def _record(inv: Invocation, url: str, tool: str) -> None:
    inv.shell.record_download(_normalize_url(url), tool, " ".join([inv.name, *inv.args]))


def _default_port(url: str) -> int:
    scheme = url.split("://", 1)[0].lower() if "://" in url else "http"
    return {"https": 443, "ftp": 21, "tftp": 69}.get(scheme, 80)


@command("wget")
async def cmd_wget(inv: Invocation) -> int:
    opts, urls = getopt(
        inv.args,
        takes_value="OoPUTtaeiwYQ",
        long_values=(
            "output-document",
            "directory-prefix",
            "user-agent",
            "tries",
            "timeout",
            "header",
            "post-data",
        ),
    )
    urls = [u for u in urls if u][:MAX_URLS]
    busybox = inv.system.busybox
    if not urls:
        if busybox:
            await inv.err.write(
                "BusyBox v1.36.1 (2023-11-07 18:53:09 UTC) multi-call binary.\n\nUsage: wget "
                "[-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | "
                "--post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n"
            )
        else:
            await inv.err.write(
                "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n"
            )
        return 1
    quiet = "q" in opts or "quiet" in opts
    output = opts.get("O") or opts.get("output-document")
    for url in urls:
        _record(inv, url, "wget")
    if output and output != "-":
        with contextlib.suppress(FSError):  # the real wget reports the open error later; ours stays quiet
            inv.fs.write(output, inv.shell.cwd, inv.user, "")
    status = 0
    for url in urls:
        full = _normalize_url(url)
        host, port, is_ip = _host_port(full, _default_port(full))
        now = inv.system.now()
        if busybox:
            if is_ip:
                if not quiet:
                    await inv.err.write(f"Connecting to {host} ({host}:{port})\n")
                await asyncio.sleep(CONNECT_DELAY_S)
                await inv.err.write(f"wget: can't connect to remote host ({host}): Connection refused\n")
            else:
                await asyncio.sleep(DNS_DELAY_S)
                await inv.err.write(f"wget: bad address '{host}'\n")
            status = 1
            continue
        if not quiet:
            await inv.err.write(f"--{now:%Y-%m-%d %H:%M:%S}--  {full}\n")
        if is_ip:
            if not quiet:
                await inv.err.write(f"Connecting to {host}:{port}... ")
            await asyncio.sleep(CONNECT_DELAY_S)
            if not quiet:
                await inv.err.write("failed: Connection refused.\n")
        else:
            if not quiet:
                await inv.err.write(f"Resolving {host} ({host})... ")
            await asyncio.sleep(DNS_DELAY_S)
            if not quiet:
                await inv.err.write("failed: Temporary failure in name resolution.\n")
            await inv.err.write(f"wget: unable to resolve host address {LQ}{host}{RQ}\n")
        status = 4
    return status


@command("curl")
async def cmd_curl(inv: Invocation) -> int:
    opts, urls = getopt(
        inv.args,
        takes_value="oHdAeuXFTrwmCbcEKxUy",
        long_values=(
            "output",
            "header",
            "data",
            "user-agent",
            "request",
            "max-time",
            "connect-timeout",
            "url",
            "proxy",
        ),
    )
    if opts.get("url"):
        urls.append(opts.get("url") or "")
    urls = [u for u in urls if u][:MAX_URLS]
    if not urls:
        await inv.err.write("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    silent = "s" in opts or "silent" in opts
    show_errors = not silent or "S" in opts or "show-error" in opts
    for url in urls:
        _record(inv, url, "curl")
    status = 0
    for url in urls:
        full = _normalize_url(url)
        host, port, is_ip = _host_port(full, _default_port(full))
        if is_ip:
            await asyncio.sleep(CONNECT_DELAY_S)
            elapsed = int(CONNECT_DELAY_S * 1000) + inv.shell.rng.randint(1, 40)
            message = (
                f"curl: (7) Failed to connect to {host} port {port} after {elapsed} ms: Connection refused\n"
            )
            status = 7
        else:
            await asyncio.sleep(DNS_DELAY_S)
            message = f"curl: (6) Could not resolve host: {host}\n"
            status = 6
        if show_errors:
            await inv.err.write(message)
    return status


@command("fetch")
async def cmd_fetch(inv: Invocation) -> int:
    _opts, urls = getopt(inv.args, takes_value="oSTNB", long_values=("output", "user-agent"))
    urls = [u for u in urls if u][:MAX_URLS]
    if not urls:
        await inv.err.write(
            "usage: fetch [-146AadFlMmnPpqRrsUv] [-B bytes] [--bind-address=host] ...\n"
            "       fetch [-146AadFlMmnPpqRrsUv] [-B bytes] -h host -f file [-c dir]\n"
        )
        return 1
    for url in urls:
        _record(inv, url, "fetch")
    for url in urls:
        full = _normalize_url(url)
        _host, _port, is_ip = _host_port(full, _default_port(full))
        await asyncio.sleep(CONNECT_DELAY_S if is_ip else DNS_DELAY_S)
        await inv.err.write(f"fetch: {full}: {'Connection refused' if is_ip else 'No address record'}\n")
    return 1


@command("tftp")
async def cmd_tftp(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="rlbc", long_values=())
    remote = opts.get("r")
    host = next((a for a in rest if not a.isdigit()), "")
    if "c" in opts and rest:
        words = [opts.get("c") or "", *rest]
        host = inv.args[0]
        remote = words[-1] if len(words) > 1 else None
    if not host:
        await inv.err.write("BusyBox v1.36.1 multi-call binary.\n\nUsage: tftp [OPTIONS] HOST [PORT]\n")
        return 1
    url = f"tftp://{host}/{(remote or '').lstrip('/')}"
    _record(inv, url, "tftp")
    await asyncio.sleep(TFTP_TIMEOUT_S)
    await inv.err.write("tftp: timeout\n" if inv.system.busybox or "g" in opts else "Transfer timed out.\n")
    return 1


@command("ftpget", "ftpput")
async def cmd_ftpget(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="upP")
    if len(rest) < 2:
        await inv.err.write(
            f"BusyBox v1.36.1 multi-call binary.\n\nUsage: {inv.name} [OPTIONS] HOST "
            "[LOCAL_FILE] REMOTE_FILE\n"
        )
        return 1
    host, remote = rest[0], rest[-1]
    user = opts.get("u")
    auth = f"{user}@" if user else ""
    port = opts.get("P")
    url = f"ftp://{auth}{host}{':' + port if port else ''}/{remote.lstrip('/')}"
    _record(inv, url, inv.name)
    await asyncio.sleep(CONNECT_DELAY_S)
    await inv.err.write(f"{inv.name}: can't connect to remote host ({host}): Connection refused\n")
    return 1


@command("git")
async def cmd_git(inv: Invocation) -> int:
    args = [a for a in inv.args if not a.startswith("-")]
    if len(args) >= 2 and args[0] == "clone":
        _record(inv, args[1], "git")
        folder = args[2] if len(args) > 2 else args[1].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        await inv.err.write(f"Cloning into '{folder}'...\n")
        await asyncio.sleep(DNS_DELAY_S)
        host, _port, _ = _host_port(args[1], 443)
        await inv.err.write(f"fatal: unable to access '{args[1]}': Could not resolve host: {host}\n")
        return 128
    if (args and args[0] == "--version") or "--version" in inv.args:
        await inv.out.write("git version 2.34.1\n")
        return 0
    await inv.err.write(
        "usage: git [--version] [--help] [-C <path>] [-c <name>=<value>]\n           <command> [<args>]\n"
    )
    return 1


@command("busybox")
async def cmd_busybox(inv: Invocation) -> int:
    if not inv.args:
        await inv.out.write(
            "BusyBox v1.36.1 (2023-11-07 18:53:09 UTC) multi-call binary.\nBusyBox is copyrighted "
            "by many authors between 1998-2015.\nLicensed under GPLv2. See source distribution for "
            "detailed\ncopyright notices.\n\nUsage: busybox [function [arguments]...]\n"
        )
        return 0
    applet = inv.args[0]
    if applet in REGISTRY and applet not in {"busybox", "sudo", "apt", "apt-get", "yum", "dnf", "systemctl"}:
        return await inv.shell.run_argv(list(inv.args), inv.out, inv.err, inv.depth, inv.stdin)
    await inv.err.write(f"{applet}: applet not found\n")
    return 127


@command("ping", "ping6")
async def cmd_ping(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="cWiswItQ")
    if not rest:
        await inv.err.write("ping: usage error: Destination address required\n")
        return 1
    host = rest[-1]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        await asyncio.sleep(DNS_DELAY_S)
        await inv.err.write(f"ping: {host}: Temporary failure in name resolution\n")
        return 2
    count_text = opts.get("c") or "4"
    count = min(int(count_text), 10) if count_text.isdigit() else 4
    await inv.out.write(f"PING {host} ({host}) 56(84) bytes of data.\n")
    await asyncio.sleep(min(float(count), 10.0))
    await inv.out.write(
        f"\n--- {host} ping statistics ---\n{count} packets transmitted, 0 received, 100% packet "
        f"loss, time {count * 1000 - 1000 + inv.shell.rng.randint(5, 60)}ms\n\n"
    )
    return 1


@command("nc", "ncat", "netcat", "telnet", "ssh", "scp", "ftp", "socat", "rsync", "sftp")
async def cmd_connect(inv: Invocation) -> int:
    _, rest = getopt(inv.args, takes_value="pliopewsFJ")
    if not rest:
        if inv.name == "ssh":
            await inv.err.write(
                "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n"
                "           destination [command [argument ...]]\n"
            )
            return 255
        return 1
    target = rest[0].split("@", 1)[-1].split(":", 1)[0]
    await asyncio.sleep(CONNECT_DELAY_S)
    if inv.name in {"ssh", "scp", "sftp", "rsync"}:
        await inv.err.write(f"ssh: connect to host {target} port 22: Connection refused\n")
        if inv.name in {"scp", "sftp", "rsync"}:
            await inv.err.write("lost connection\n" if inv.name == "scp" else "Connection closed\n")
        return 255
    if inv.name == "telnet":
        await inv.out.write(f"Trying {target}...\n")
        await inv.err.write("telnet: Unable to connect to remote host: Connection refused\n")
        return 1
    return 1


@command("python3", "python", "perl", "php", "node", "ruby", "lua")
async def cmd_interpreter(inv: Invocation) -> int:
    family = inv.system.family
    available = {
        "python3": True,
        "perl": True,
        "python": inv.system.persona.distro.startswith("centos"),
        "php": False,
        "node": False,
        "ruby": False,
        "lua": False,
    }
    if inv.system.busybox:
        available = {name: False for name in available}
    if not available.get(inv.name, False):
        await inv.err.write(inv.shell.not_found(inv.name))
        return 127
    if inv.args and inv.args[0] in {"--version", "-V", "-v"}:
        version = {
            "python3": {
                "ubuntu": "Python 3.10.12",
                "debian": "Python 3.11.2",
                "rhel": "Python 3.9.18",
                "kali": "Python 3.11.8",
                "arch": "Python 3.12.1",
            }.get(family, "Python 3.11.2"),
            "python": "Python 2.7.5",
            "perl": "\nThis is perl 5, version 34, subversion 0 (v5.34.0)",
        }
        text = version.get(inv.name, "")
        await (inv.err if inv.name == "python" else inv.out).write(text + "\n")
        return 0
    if not inv.args and inv.shell.interactive and not inv.stdin:
        return 0
    return 0


# ---------------------------------------------------------------------- privilege


def _can_sudo(inv: Invocation) -> bool:
    account = inv.shell.login
    return account.uid == 0 or any(name in {"sudo", "wheel", "admin"} for _, name in account.groups)


async def _ask_password(inv: Invocation, prompt: str, tool: str, tries: int) -> None:
    """Prompt like sudo/su would, record what was typed, and fail."""
    reader = inv.shell.read_secret
    for attempt in range(tries):
        if reader is None:
            return
        typed = await reader(prompt)
        if typed is None:
            return
        inv.shell.emit(
            "auth",
            {
                "username": inv.shell.user.name,
                "password": clip(typed, 1024),
                "method": tool,
                "result": "failure",
            },
        )
        await asyncio.sleep(2.0)
        if tool == "su":
            await inv.err.write("su: Authentication failure\n")
            return
        if attempt < tries - 1:
            await inv.err.write("Sorry, try again.\n")
    await inv.err.write(f"sudo: {tries} incorrect password attempts\n")


@command("sudo")
async def cmd_sudo(inv: Invocation) -> int:
    shell = inv.shell
    args = list(inv.args)
    target = "root"
    login_shell = False
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag in {"-u", "--user"} and args:
            target = args.pop(0)
        elif flag in {"-i", "--login", "-s", "--shell", "-su"}:
            login_shell = True
        elif flag in {"-l", "--list"}:
            if _can_sudo(inv):
                await inv.out.write(
                    f"Matching Defaults entries for {shell.login.name} on {inv.system.short_hostname}:\n"
                    "    env_reset, mail_badpass,\n"
                    "    secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:"
                    "/usr/bin\\:/sbin\\:/bin\\:/snap/bin, use_pty\n\n"
                    f"User {shell.login.name} may run the following commands on "
                    f"{inv.system.short_hostname}:\n"
                    "    (ALL : ALL) ALL\n    (ALL) NOPASSWD: ALL\n"
                )
                return 0
        elif flag == "-V":
            await inv.out.write("Sudo version 1.9.9\n")
            return 0
    account = inv.system.accounts.get(target)
    if account is None:
        await inv.err.write(
            f"sudo: unknown user {target}\nsudo: error initializing audit plugin sudoers_audit\n"
        )
        return 1
    if not _can_sudo(inv) and inv.user.uid != 0:
        if shell.read_secret is None:
            await inv.err.write(
                "sudo: a terminal is required to read the password; either use the -S option to "
                "read from standard input or configure an askpass helper\nsudo: a password is "
                "required\n"
            )
            return 1
        await _ask_password(inv, f"[sudo] password for {inv.user.name}: ", "sudo", 3)
        return 1
    if login_shell or (args and args[0] in {"su", "bash", "sh", "-i"} and len(args) <= 2):
        if args and args[0] == "su" and len(args) == 2 and args[1] not in {"-", "root"}:
            account = inv.system.accounts.get(args[1], account)
        shell.become(account, login=True)
        return 0
    if not args:
        await inv.err.write(
            "usage: sudo -h | -K | -k | -V\nusage: sudo -v [-AknS] [-g group] [-h host] [-p prompt] "
            "[-u user]\n"
        )
        return 1
    shell.users.append(account)
    try:
        return await shell.run_argv(args, inv.out, inv.err, inv.depth, inv.stdin)
    finally:
        if shell.users and shell.users[-1] is account:
            shell.users.pop()


@command("su")
async def cmd_su(inv: Invocation) -> int:
    args = [a for a in inv.args if a not in {"-", "-l", "--login", "-m", "-p"}]
    command_text = None
    if "-c" in args:
        index = args.index("-c")
        command_text = args[index + 1] if index + 1 < len(args) else ""
        args = args[:index] + args[index + 2 :]
    target = args[0] if args else "root"
    account = inv.system.accounts.get(target)
    if account is None:
        await inv.err.write(
            f"su: user {target} does not exist or the user entry does not contain all the required fields\n"
        )
        return 1
    if inv.user.uid != 0:
        if inv.shell.read_secret is None:
            await inv.err.write("su: must be run from a terminal\n")
            return 1
        await _ask_password(inv, "Password: ", "su", 1)
        return 1
    if command_text is not None:
        inv.shell.users.append(account)
        try:
            return await inv.shell.execute(command_text, inv.out, inv.err, depth=inv.depth + 1)
        finally:
            inv.shell.users.pop()
    inv.shell.become(account, login="-" in inv.args or "-l" in inv.args)
    return 0


@command("passwd")
async def cmd_passwd(inv: Invocation) -> int:
    shell = inv.shell
    target = next((a for a in inv.args if not a.startswith("-")), inv.user.name)
    if inv.user.uid != 0 and target != inv.user.name:
        await inv.err.write("passwd: You may not view or modify password information for " + target + ".\n")
        return 1
    if target not in inv.system.accounts:
        await inv.err.write(f"passwd: user '{target}' does not exist\n")
        return 1
    reader = shell.read_secret
    if reader is None:
        await inv.err.write("passwd: Authentication token manipulation error\npasswd: password unchanged\n")
        return 10
    if inv.user.uid != 0:
        await inv.out.write(f"Changing password for {target}.\n")
        current = await reader("Current password: ")
        if current is None:
            return 1
        shell.emit(
            "auth",
            {"username": target, "password": clip(current, 1024), "method": "passwd", "result": "failure"},
        )
        await asyncio.sleep(2.0)
        await inv.err.write("passwd: Authentication token manipulation error\npasswd: password unchanged\n")
        return 10
    first = await reader("New password: ")
    if first is None:
        return 1
    second = await reader("Retype new password: ")
    if second is None:
        return 1
    if first != second:
        await inv.err.write(
            "Sorry, passwords do not match.\npasswd: Authentication token manipulation error\n"
            "passwd: password unchanged\n"
        )
        return 10
    shell.emit("password_change", {"username": target, "password": clip(first, 1024), "tool": "passwd"})
    await inv.out.write("passwd: password updated successfully\n")
    return 0


@command("chpasswd")
async def cmd_chpasswd(inv: Invocation) -> int:
    lines = (inv.stdin or "").splitlines()[:32]
    if inv.user.uid != 0:
        await inv.err.write("chpasswd: Permission denied.\n")
        return 1
    for line in lines:
        user, sep, password = line.partition(":")
        if sep:
            inv.shell.emit(
                "password_change",
                {"username": clip(user, 64), "password": clip(password, 1024), "tool": "chpasswd"},
            )
    return 0


@command("useradd", "adduser", "userdel", "deluser", "usermod", "groupadd", "visudo")
async def cmd_useradd(inv: Invocation) -> int:
    if inv.user.uid != 0:
        await inv.err.write(
            f"{inv.name}: Permission denied.\n{inv.name}: cannot lock /etc/passwd; try again later.\n"
        )
        return 1
    return 0


@command("crontab")
async def cmd_crontab(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="u")
    user = opts.get("u") or inv.user.name
    tabs = inv.shell.crontabs
    if "l" in opts:
        if user in tabs:
            await inv.out.write(tabs[user])
            return 0
        await inv.err.write(f"no crontab for {user}\n")
        return 1
    if "r" in opts:
        if tabs.pop(user, None) is None:
            await inv.err.write(f"no crontab for {user}\n")
            return 1
        return 0
    if rest and rest[0] != "-":
        try:
            text = inv.fs.read(rest[0], inv.shell.cwd, inv.user)
        except FSError as exc:
            await inv.err.write(f"{rest[0]}: {exc}\n")
            return 1
    else:
        text = inv.stdin or ""
    tabs[user] = text[: 64 * 1024]
    return 0


_SERVICES = {"ssh", "sshd", "cron", "crond", "rsyslog", "systemd-journald", "systemd-logind", "dbus"}


@command("systemctl", "service")
async def cmd_systemctl(inv: Invocation) -> int:
    args = [a for a in inv.args if not a.startswith("-")]
    if inv.system.family == "freebsd" and inv.name == "service":
        name = args[0] if args else ""
        verb = args[1] if len(args) > 1 else ""
        if name not in {"sshd", "cron", "syslogd", "ntpd", "devd"}:
            await inv.err.write(
                f"{name} does not exist in /etc/rc.d or the local startup\ndirectories "
                "(/usr/local/etc/rc.d), or is not executable\n"
            )
            return 1
        if verb == "status":
            await inv.out.write(f"{name} is running as pid {inv.system.pid_base + 40}.\n")
        elif verb and inv.user.uid != 0:
            await inv.err.write(f"{name}: Permission denied\n")
            return 1
        return 0
    if inv.name == "service" and len(args) >= 2:
        args = [args[1], args[0]]
    verb = args[0] if args else "list-units"
    unit = (args[1] if len(args) > 1 else "").removesuffix(".service")
    if verb in {"status", "is-active"}:
        if unit not in _SERVICES:
            await inv.err.write(f"Unit {unit}.service could not be found.\n")
            return 4
        if verb == "is-active":
            await inv.out.write("active\n")
            return 0
        since = inv.system.persona.booted_at
        await inv.out.write(
            f"● {unit}.service\n"
            f"     Loaded: loaded (/lib/systemd/system/{unit}.service; enabled; vendor preset: "
            f"enabled)\n     Active: active (running) since {since:%a %Y-%m-%d %H:%M:%S} UTC\n"
            f"   Main PID: {inv.system.pid_base + 40} ({unit})\n"
        )
        return 0
    if verb in {"start", "stop", "restart", "reload", "enable", "disable", "daemon-reload", "mask"}:
        if inv.user.uid != 0:
            await inv.err.write(
                f"Failed to {verb} {unit}.service: Interactive authentication required.\n"
                f"See system logs and 'systemctl status {unit}.service' for details.\n"
            )
            return 1
        return 0
    if verb == "list-units":
        await inv.out.write(
            "  UNIT                      LOAD   ACTIVE SUB     DESCRIPTION\n"
            "  cron.service              loaded active running Regular background program processing "
            "daemon\n  ssh.service               loaded active running OpenBSD Secure Shell server\n"
        )
        return 0
    return 0


@command("pkg")
async def cmd_pkg(inv: Invocation) -> int:
    args = [a for a in inv.args if not a.startswith("-")]
    verb = args[0] if args else ""
    if verb in {"install", "update", "upgrade", "add", "delete"} and inv.user.uid != 0:
        await inv.err.write(f"pkg: Insufficient privileges to {verb} packages\n")
        return 77
    if verb in {"install", "update", "upgrade"}:
        release = inv.system.persona.kernel.split(".", 1)[0]
        base = f"https://pkg.FreeBSD.org/FreeBSD:{release}:{inv.system.persona.arch}/quarterly"
        await inv.out.write("Updating FreeBSD repository catalogue...\n")
        await asyncio.sleep(DNS_DELAY_S)
        await inv.err.write(
            f"pkg: {base}/meta.txz: No address record\nrepository FreeBSD has no meta file, "
            f"using default settings\npkg: {base}/data.pkg: No address record\nUnable to update "
            "repository FreeBSD\nError updating repositories!\n"
        )
        return 3
    if verb == "info":
        return 0
    await inv.err.write(
        "Usage: pkg [-v] [-d] [-l] [-N] [-j <jail name or id>|-c <chroot path>|-r <rootdir>] "
        "[-C <configuration file>] [-R <repo config dir>] [-o var=value] [-4|-6] <command> "
        "[<args>]\n"
    )
    return 1


@command("apt", "apt-get", "yum", "dnf", "apk", "pacman", "dpkg", "rpm", "snap", "pip", "pip3")
async def cmd_packages(inv: Invocation) -> int:
    family = inv.system.family
    native = {
        "apt": {"ubuntu", "debian", "kali"},
        "apt-get": {"ubuntu", "debian", "kali"},
        "dpkg": {"ubuntu", "debian", "kali"},
        "yum": {"rhel"},
        "dnf": {"rhel"},
        "rpm": {"rhel"},
        "apk": {"alpine"},
        "pacman": {"arch"},
        "snap": {"ubuntu"},
        "pip": set(),
        "pip3": set(),
    }[inv.name]
    if family not in native:
        await inv.err.write(inv.shell.not_found(inv.name))
        return 127
    args = [a for a in inv.args if not a.startswith("-")]
    verb = args[0] if args else ""
    packages = args[1:]
    if inv.name in {"dpkg", "rpm"}:
        return 0 if args else 1
    if (
        verb in {"install", "update", "upgrade", "add", "remove", "purge", "dist-upgrade"}
        and inv.user.uid != 0
    ):
        if inv.name in {"apt", "apt-get"}:
            await inv.err.write(
                "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission "
                "denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), "
                "are you root?\n"
            )
            return 100
        await inv.err.write(
            "Error: This command has to be run with superuser privileges (under the root user on "
            "most systems).\n"
        )
        return 1
    await asyncio.sleep(DNS_DELAY_S)
    if inv.name in {"apt", "apt-get"}:
        if verb == "update":
            mirror = "archive.ubuntu.com" if family == "ubuntu" else "deb.debian.org"
            await inv.out.write(
                f"Err:1 http://{mirror} InRelease\n  Temporary failure resolving '{mirror}'\n"
                "Reading package lists... Done\n"
            )
            await inv.err.write(
                f"W: Failed to fetch http://{mirror}/dists/InRelease  Temporary failure resolving "
                f"'{mirror}'\nW: Some index files failed to download. They have been ignored, or old "
                "ones used instead.\n"
            )
            return 0
        if verb == "install":
            await inv.out.write(
                "Reading package lists... Done\nBuilding dependency tree... Done\n"
                "Reading state information... Done\n"
            )
            for package in packages[:8]:
                await inv.err.write(f"E: Unable to locate package {package}\n")
            return 100
        return 0
    if inv.name in {"yum", "dnf"} and verb in {"install", "update", "upgrade", "makecache"}:
        await inv.err.write(
            "Errors during downloading metadata for repository 'baseos':\n  - Curl error (6): "
            "Couldn't resolve host name\nError: Failed to download metadata for repo 'baseos': Cannot "
            "download repomd.xml: Cannot download repodata/repomd.xml: All mirrors were tried\n"
        )
        return 1
    if inv.name == "apk" and verb in {"add", "update", "upgrade"}:
        await inv.err.write(
            "WARNING: fetching https://dl-cdn.alpinelinux.org/alpine/v3.19/main: temporary error "
            "(try again later)\n"
        )
        return 1
    return 0


@command("iptables", "ip6tables", "ufw", "nft", "firewall-cmd")
async def cmd_firewall(inv: Invocation) -> int:
    if inv.user.uid != 0:
        if inv.name.startswith("ip"):
            await inv.err.write(
                f"{inv.name} v1.8.7 (nf_tables): Could not fetch rule set generation id: "
                "Permission denied (you must be root)\n"
            )
        else:
            await inv.err.write("ERROR: You need to be root to run this script\n")
        return 4 if inv.name.startswith("ip") else 1
    if inv.name == "ufw" and inv.args[:1] == ["status"]:
        await inv.out.write("Status: inactive\n")
    elif inv.name in {"iptables", "ip6tables"} and ("-L" in inv.args or "-S" in inv.args):
        await inv.out.write(
            "Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination"
            "\n\nChain FORWARD (policy ACCEPT)\ntarget     prot opt source               "
            "destination\n\nChain OUTPUT (policy ACCEPT)\ntarget     prot opt source               "
            "destination\n"
        )
    return 0


@command("reboot", "shutdown", "poweroff", "halt", "init")
async def cmd_reboot(inv: Invocation) -> int:
    if inv.user.uid != 0:
        await inv.err.write(
            "Failed to set wall message, ignoring: Interactive authentication required.\n"
            f"Failed to {inv.name if inv.name != 'shutdown' else 'power off'} system via logind: "
            "Interactive authentication required.\n"
            "Failed to open initctl fifo: Permission denied\nFailed to talk to init daemon.\n"
        )
        return 1
    if inv.name == "shutdown" and "-c" in inv.args:
        return 0
    inv.shell.exited = True
    inv.shell.dropped = True
    return 0


@command("dmesg")
async def cmd_dmesg(inv: Invocation) -> int:
    if inv.user.uid != 0:
        await inv.err.write("dmesg: read kernel buffer failed: Operation not permitted\n")
        return 1
    persona = inv.system.persona
    await inv.out.write(
        f"[    0.000000] Linux version {persona.kernel} {inv.system.kernel_version_string()}\n"
        f"[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-{persona.kernel} root=/dev/sda1 ro\n"
        "[    0.000000] Hypervisor detected: KVM\n"
        f"[    1.204113] e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: RX\n"
    )
    return 0
