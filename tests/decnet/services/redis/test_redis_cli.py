"""redis-cli and nmap against the redis service."""

from __future__ import annotations

import asyncio
from pathlib import Path

from decnet.services.redis import RedisService
from tests.decnet.services.streambase.helpers import GIVEAWAYS, hostile, need, nmap_sv, persona, run, running


async def _cli(port: int, *args: str, password: str | None = None) -> str:
    argv = [need("redis-cli"), "-h", "127.0.0.1", "-p", str(port)]
    if password is not None:
        argv += ["--no-auth-warning", "-a", password]
    code, out, err = await run(*argv, *args)
    assert code == 0, err
    return (err + out).decode()  # redis-cli reports a failed -a on stderr


async def test_open_instance_info_and_commands() -> None:
    who = persona("ubuntu22", redis="6.0.16")
    async with running(RedisService, who=who) as (_, [port], events):
        info = await _cli(port, "INFO", "server")
        assert "redis_version:6.0.16" in info
        assert f"os:Linux {who.kernel} x86_64" in info
        assert "gcc_version:11.2.0" in info
        uptime = int(info.split("uptime_in_seconds:")[1].split()[0])
        assert uptime > 86400  # booted 2024
        assert "session:5f2a9c1e" in await _cli(port, "KEYS", "*")
        assert (await _cli(port, "CONFIG", "GET", "dir")).split() == ["dir", "/var/lib/redis"]
        assert (await _cli(port, "CONFIG", "SET", "dir", "/root/.ssh")).strip() == "OK"
        assert (await _cli(port, "CONFIG", "GET", "dir")).split() == ["dir", "/root/.ssh"]
        out = await _cli(port, "FOO", "bar", "baz")
        assert out.strip() == "ERR unknown command `FOO`, with args beginning with: `bar`, `baz`,"
        auth = await _cli(port, "AUTH", "hunter2")
        assert "called without any password configured" in auth
        await events.wait("disconnect", 7)
        commands = [e.fields["command"] for e in events.of("command")]
        assert commands == ["INFO", "KEYS", "CONFIG", "CONFIG", "CONFIG", "FOO", "AUTH"]
        assert events.of("command")[3].fields["args"] == "CONFIG SET dir /root/.ssh"
        creds = events.of("auth")
        assert creds[0].fields["password"] == "hunter2" and creds[0].fields["secret_kind"] == "plaintext"


async def test_requirepass_noauth_wrongpass_and_login() -> None:
    who = persona("debian", redis="7.0.15")
    async with running(RedisService, who=who, requirepass="s3cret") as (_, [port], events):
        assert (await _cli(port, "GET", "x")).strip() == "NOAUTH Authentication required."
        out = await _cli(port, "PING", password="guess")
        assert "WRONGPASS invalid username-password pair or user is disabled." in out
        assert (await _cli(port, "PING", password="s3cret")).strip() == "PONG"
        out = await _cli(port, "NOPE", "a", password="s3cret")
        assert out.strip() == "ERR unknown command 'NOPE', with args beginning with: 'a'"
        await events.wait("disconnect", 4)
        results = [(e.fields["password"], e.fields["result"]) for e in events.of("auth")]
        assert results == [("guess", "failure"), ("s3cret", "success"), ("s3cret", "success")]
        assert all(e.fields["username"] == "default" for e in events.of("auth"))


async def test_old_redis_errors() -> None:
    async with running(RedisService, who=persona("centos7", redis="3.2.12"), requirepass="x") as (
        _,
        [port],
        _e,
    ):
        assert "ERR invalid password" in await _cli(port, "PING", password="y")


async def test_nmap_names_redis_with_version(tmp_path: Path) -> None:
    async with running(RedisService, who=persona("debian", redis="7.0.15")) as (_, [port], _events):
        line = await nmap_sv(port, 6379, tmp_path)
    assert "Redis key-value store 7.0.15" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_protocol_errors_and_hostile_bytes() -> None:
    async with running(RedisService, idle_timeout=1.0) as (svc, [port], events):
        from tests.decnet.services.streambase.helpers import exchange

        assert (
            await exchange(port, b"*99999999999\r\n") == b"-ERR Protocol error: invalid multibulk length\r\n"
        )
        assert (
            await exchange(port, b"*1\r\n$9999999999\r\n") == b"-ERR Protocol error: invalid bulk length\r\n"
        )
        assert await exchange(port, b"*1\r\nx\r\n") == b"-ERR Protocol error: expected '$', got 'x'\r\n"
        assert (
            await exchange(port, b'GET "abc\r\n') == b"-ERR Protocol error: unbalanced quotes in request\r\n"
        )
        big = await exchange(port, b"A" * 70000)
        assert big == b"-ERR Protocol error: too big inline request\r\n"
        await hostile(port)
        await asyncio.sleep(0.2)
        assert await exchange(port, b"PING\r\n", read_timeout=0.5) == b"+PONG\r\n"
        assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
        assert svc.bound_ports
