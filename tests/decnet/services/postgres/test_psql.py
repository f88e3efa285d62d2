"""psql and nmap against the postgres service."""

from __future__ import annotations

import asyncio
import base64
import struct
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.postgres import PostgresService
from decnet.services.postgres import messages as msg
from decnet.services.postgres.service import md5_response
from tests.decnet.services.streambase.helpers import (
    GIVEAWAYS,
    exchange,
    hostile,
    need,
    nmap_sv,
    persona,
    run,
    running,
)

PG = "15.5 (Debian 15.5-0+deb12u1)"


async def _psql(port: int, user: str, password: str, sql: str, db: str = "postgres") -> tuple[int, str]:
    argv = [need("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db, "-Atc", sql]
    code, out, err = await run(*argv, env={"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"})
    return code, (out + err).decode()


async def test_md5_failure_and_capture() -> None:
    async with running(PostgresService, who=persona("debian", postgresql=PG)) as (_, [port], events):
        code, out = await _psql(port, "postgres", "postgres", "select 1")
        await events.wait("disconnect")  # SSL refused with "N", then the same connection goes on
    assert code == 2
    assert 'FATAL:  password authentication failed for user "postgres"' in out
    [auth] = events.of("auth")
    assert auth.fields["secret_kind"] == "md5" and auth.fields["username"] == "postgres"
    secret, salt = auth.fields["secret"], bytes.fromhex(auth.fields["salt"])
    assert secret == md5_response("postgres", "postgres", salt)
    assert events.of("startup")[0].fields["database"] == "postgres"
    assert events.of("negotiate")[0].fields["request"] == "ssl"


async def test_cleartext_method_and_login_with_queries() -> None:
    who = persona("ubuntu22", postgresql="14.11 (Ubuntu 14.11-0ubuntu0.22.04.1)")
    async with running(PostgresService, who=who, users="app:AppPass1", auth_method="password") as (
        _,
        [port],
        events,
    ):
        code, out = await _psql(port, "app", "wrong", "select 1")
        assert code == 2
        code, out = await _psql(port, "app", "AppPass1", "select version()")
        assert code == 0, out
        assert out.startswith("PostgreSQL 14.11 (Ubuntu 14.11-0ubuntu0.22.04.1) on x86_64-pc-linux-gnu")
        code, out = await _psql(port, "app", "AppPass1", "select * from users")
        assert "ERROR:  permission denied for table users" in out
        await events.wait("disconnect", 3)
    auth = events.of("auth")
    assert [(a.fields["password"], a.fields["result"]) for a in auth] == [
        ("wrong", "failure"),
        ("AppPass1", "success"),
        ("AppPass1", "success"),
    ]
    assert [q.fields["query"] for q in events.of("query")] == ["select version()", "select * from users"]


async def test_nmap_identifies_postgresql(tmp_path: Path) -> None:
    async with running(PostgresService, who=persona("debian", postgresql=PG)) as (_, [port], _events):
        line = await nmap_sv(port, 5432, tmp_path)
    assert "PostgreSQL DB" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_unsupported_protocol_error_shape() -> None:
    async with running(PostgresService, who=persona("debian", postgresql=PG)) as (_, [port], _events):
        out = await exchange(port, struct.pack("!II", 8, 0xFF534D42), read_timeout=1)
    assert out.startswith(b"E") and b"SFATAL\x00VFATAL\x00C0A000\x00" in out
    assert b"Munsupported frontend protocol 65363.19778: server supports 3.0 to 3.0\x00" in out
    assert out.endswith(b"Fpostmaster.c\x00L2194\x00RProcessStartupPacket\x00\x00")


async def test_hostile_bytes() -> None:
    async with running(PostgresService, idle_timeout=1.0) as (_, [port], events):
        big = struct.pack("!I", 0x7FFFFFFF) + b"x" * 100
        assert await exchange(port, big, read_timeout=1) == b""
        startup = struct.pack("!I", 196608) + b"user\x00u\x00\x00"
        trick = struct.pack("!I", len(startup) + 4) + startup + b"p" + struct.pack("!I", 0x7FFFFFF0)
        out = await exchange(port, trick, read_timeout=1)
        assert b"expected password response" in out or b"C08P01" in out
        await hostile(port)
        await asyncio.sleep(0.3)
    assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_startup_params(body: bytes) -> None:
    try:
        params = msg.parse_params(body)
    except msg.StartupError:
        return
    assert len(params) <= msg.MAX_PARAMS


async def test_scram_sha_256_failure_and_login() -> None:
    async with running(PostgresService, auth_method="scram-sha-256", users="app:S3cret") as (
        _,
        [port],
        events,
    ):
        code, out = await _psql(port, "app", "guess", "select 1")
        assert code == 2 and 'password authentication failed for user "app"' in out
        code, out = await _psql(port, "app", "S3cret", "select current_user")
        assert code == 0 and out.strip() == "app", out
        await events.wait("disconnect", 2)
    auth = events.of("auth")
    assert [(a.fields["secret_kind"], a.fields["result"]) for a in auth] == [
        ("scram_sha_256", "failure"),
        ("scram_sha_256", "success"),
    ]
    _, mech, iterations, _salt, message, _proof = auth[0].fields["secret"].split("$")
    assert (mech, iterations) == ("scram-sha-256", "4096")
    assert base64.b64decode(message).startswith(b"n=,r=")
