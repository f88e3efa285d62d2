"""python-tds (pytds) and nmap against the mssql service."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import struct
from pathlib import Path

import pytds
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.mssql import MSSQLService, tds
from tests.decnet.services.streambase.helpers import GIVEAWAYS, exchange, hostile, nmap_sv, persona, running


def _connect(port: int, user: str, password: str) -> None:
    pytds.connect(
        "127.0.0.1", "master", user, password, port=port, login_timeout=5, timeout=5, appname="sqlmap"
    ).close()


async def test_pytds_login_fails_with_18456_and_password_captured() -> None:
    async with running(MSSQLService) as (_, [port], events):
        with pytest.raises(pytds.tds_base.OperationalError) as info:
            await asyncio.to_thread(_connect, port, "sa", "P@ssw0rd!é")
        await events.wait("disconnect")
    assert "Login failed for user 'sa'." in str(info.value)
    assert info.value.msg_no == 18456  # type: ignore[attr-defined]
    [auth] = events.of("auth")
    assert auth.fields["username"] == "sa" and auth.fields["password"] == "P@ssw0rd!é"
    assert auth.fields["secret_kind"] == "plaintext" and auth.fields["result"] == "failure"
    assert auth.fields["app_name"] == "sqlmap" and auth.fields["database"] == "master"
    assert events.of("prelogin")


async def test_nmap_identifies_sql_server(tmp_path: Path) -> None:
    who = dataclasses.replace(persona("debian"), versions=(("mssql", "15.0.2000.5"),))
    async with running(MSSQLService, who=who) as (_, [port], _events):
        line = await nmap_sv(port, 1433, tmp_path)
    assert "Microsoft SQL Server 2019 15.00.2000" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_hostile_bytes() -> None:
    async with running(MSSQLService, idle_timeout=1.0) as (_, [port], events):
        huge = struct.pack("!BBHHBB", 0x12, 0, 0xFFFF, 0, 1, 0) + b"\x00" * 64
        assert await exchange(port, huge, read_timeout=1) == b""
        bad_prelogin = (
            struct.pack("!BBHHBB", 0x12, 1, 18, 0, 1, 0) + b"\x00\xff\xff\x00\x10\xff" + b"\x00" * 4
        )
        assert await exchange(port, bad_prelogin, read_timeout=1) == b""
        await hostile(port)
        await asyncio.sleep(0.3)
    assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_login7_and_prelogin(data: bytes) -> None:
    for parse in (tds.parse_login7, tds.parse_prelogin):
        with contextlib.suppress(tds.TDSError):
            parse(data)


def test_deobfuscate_inverts_the_client_scrambling() -> None:
    scrambled = bytes((((b << 4) & 0xF0) | (b >> 4)) ^ 0xA5 for b in "sa".encode("utf-16-le"))
    assert tds.deobfuscate(scrambled) == "sa".encode("utf-16-le")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_split_message(data: bytes) -> None:
    try:
        found = tds.split_message(data)
    except tds.TDSError:
        return
    if found is not None:
        _, payload, used = found
        assert used <= len(data) and len(payload) <= tds.MAX_MESSAGE
