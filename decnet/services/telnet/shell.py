"""The adapter between a telnet session and the ssh service's fake shell (Linux, Windows cmd.exe, Cisco IOS).

The shell itself lives in :mod:`decnet.services.ssh`; this module only builds the interpreter
the persona calls for, the way the ssh session does for a pty, and says what the login
dialogue looks like on that system.
"""

from __future__ import annotations

from collections.abc import Sequence

from decnet.fleet.persona import Persona
from decnet.services.ssh import commands as _commands  # noqa: F401  (registers the commands)
from decnet.services.ssh import netcmds as _netcmds  # noqa: F401
from decnet.services.ssh import sysinfo as _sysinfo  # noqa: F401
from decnet.services.ssh.ciscoshell import CiscoShell
from decnet.services.ssh.cmdutil import REGISTRY
from decnet.services.ssh.fakefs import FakeFS
from decnet.services.ssh.shell import EmitFn, Interpreter, SecretReader, Shell
from decnet.services.ssh.system import System
from decnet.services.ssh.winshell import WindowsShell


def make_shell(
    persona: Persona,
    login: str,
    usernames: Sequence[str],
    *,
    emit: EmitFn,
    src_ip: str,
    src_port: int,
    term: str,
    width: int,
    read_secret: SecretReader,
) -> Interpreter:
    """The interactive shell a telnet login gets (a pty session on ``pts/0``)."""
    system = System(persona, usernames)
    if system.family == "windows":
        return WindowsShell(
            system,
            login,
            src_ip=src_ip,
            src_port=src_port,
            interactive=True,
            emit=emit,
            width=width,
            last_login=None,
        )
    if system.family == "cisco":
        return CiscoShell(
            system, login, src_ip=src_ip, interactive=True, emit=emit, read_secret=read_secret, width=width
        )
    return Shell(
        system,
        FakeFS(system),
        login,
        commands=REGISTRY,
        src_ip=src_ip,
        src_port=src_port,
        tty="pts/0",
        term=term,
        width=width,
        interactive=True,
        emit=emit,
        read_secret=read_secret,
        last_login=None,
    )


def login_banner(persona: Persona) -> str:
    """What telnetd prints before the first login prompt (``/etc/issue.net``, or the OS's greeting)."""
    family = persona.os_family
    if family == "windows":
        return "Welcome to Microsoft Telnet Service \r\n\n\r"
    if family == "cisco":
        return "\r\n\r\nUser Access Verification\r\n\r\n"
    if family != "linux":
        return "\r\n"
    name = persona.distro_name
    if persona.distro == "debian":
        name = name.split(" (", 1)[0]  # issue.net: "Debian GNU/Linux 12"
    elif persona.distro in {"rocky9", "centos7", "fedora"}:
        name = f"{name.split(' (', 1)[0]}\r\nKernel {persona.kernel} on an {persona.arch}"
    return f"{name}\r\n"


def login_prompt(persona: Persona) -> str:
    """The login prompt (``host login: ``, ``login: ``, ``Username: ``)."""
    if persona.os_family == "windows":
        return "login: "
    if persona.os_family == "cisco":
        return "Username: "
    return f"{persona.hostname.split('.', 1)[0]} login: "


def failure_text(persona: Persona) -> str:
    """What a failed login prints before the next prompt."""
    if persona.os_family == "windows":
        return "\r\nLogon failure: unknown user name or bad password.\r\n\r\n"
    if persona.os_family == "cisco":
        return "% Authentication failed\r\n\r\n"
    return "\r\nLogin incorrect\r\n"
