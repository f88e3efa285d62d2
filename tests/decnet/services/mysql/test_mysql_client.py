"""The mysql CLI and nmap against the mysql service."""

from __future__ import annotations

import asyncio
from pathlib import Path

from decnet.services.mysql import MySQLService
from decnet.services.mysql.service import native_ok
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


async def _mysql(port: int, user: str, password: str, *sql: str) -> tuple[int, str]:
    argv = [need("mysql"), "-h", "127.0.0.1", "-P", str(port), "-u", user, "--connect-timeout=5"]
    if password:
        argv.append(f"-p{password}")
    if sql:
        argv += ["-e", "; ".join(sql)]
    code, out, err = await run(*argv, "--skip-ssl")
    return code, (out + err).decode()


def _crack(secret: str, password: str) -> bool:
    salt_hex, _, resp_hex = secret.removeprefix("$mysqlna$").partition("*")
    return native_ok(password, bytes.fromhex(salt_hex), bytes.fromhex(resp_hex))


async def test_failed_login_mariadb_debian() -> None:
    who = persona("debian", mysql="10.11.6-MariaDB-0+deb12u1")
    async with running(MySQLService, who=who) as (_, [port], events):
        code, out = await _mysql(port, "root", "toor", "select 1")
        assert code == 1
        assert "ERROR 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)" in out
        code, out = await _mysql(port, "admin", "")
        assert "(using password: NO)" in out
        await events.wait("disconnect", 2)
    auth = events.of("auth")
    assert auth[0].fields["username"] == "root"
    assert auth[0].fields["secret_kind"] == "mysql_native_password"
    assert auth[0].fields["secret"].startswith("$mysqlna$") and _crack(auth[0].fields["secret"], "toor")
    assert auth[0].fields["result"] == "failure"
    assert auth[1].fields["username"] == "admin" and auth[1].fields["secret"] == ""
    assert "_client_name=" in auth[0].fields["client_attrs"]


async def test_mysql8_switches_to_native_and_user_logs_in() -> None:
    who = persona("ubuntu22", mysql="8.0.36-0ubuntu0.22.04.1")
    async with running(MySQLService, who=who, users="dbadmin:S3cure!") as (_, [port], events):
        code, out = await _mysql(
            port,
            "dbadmin",
            "S3cure!",
            "select version()",
            "show databases",
            "select * from wordpress.wp_users",
        )
        await events.wait("disconnect")
    assert "8.0.36-0ubuntu0.22.04.1" in out
    assert "wordpress" in out and "performance_schema" in out
    assert (
        "ERROR 1142 (42000) at line 1: SELECT command denied to user 'dbadmin'@'127.0.0.1' "
        "for table `wordpress`.`wp_users`" in out
    )
    assert code == 1
    [auth] = events.of("auth")
    assert auth.fields["result"] == "success" and auth.fields["secret_kind"] == "mysql_native_password"
    queries = [e.fields["query"] for e in events.of("query")]
    assert (
        "select version()" in queries
        and "show databases" in queries
        and "select * from wordpress.wp_users" in queries
    )
    assert all(e.fields.get("username") == "dbadmin" for e in events.of("query"))


async def test_greeting_versions() -> None:
    cases = {
        "10.11.6-MariaDB-0+deb12u1": b"5.5.5-10.11.6-MariaDB-0+deb12u1\x00",
        "11.4.2-MariaDB-4": b"11.4.2-MariaDB-4\x00",
        "8.0.36": b"8.0.36\x00",
    }
    for version, wire in cases.items():
        async with running(MySQLService, who=persona("debian", mysql=version)) as (_, [port], _events):
            greeting = await exchange(port, b"", read_timeout=0.5)
        assert greeting[4] == 10 and greeting[5:].startswith(wire), greeting[:60]
        plugin = b"caching_sha2_password" if version == "8.0.36" else b"mysql_native_password"
        assert greeting.endswith(plugin + b"\x00")


async def test_nmap_identifies_mysql(tmp_path: Path) -> None:
    who = persona("debian", mysql="10.11.6-MariaDB-0+deb12u1")
    async with running(MySQLService, who=who) as (_, [port], _events):
        line = await nmap_sv(port, 3306, tmp_path)
    assert "MySQL 5.5.5-10.11.6-MariaDB-0+deb12u1" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_hostile_bytes() -> None:
    async with running(MySQLService, idle_timeout=1.0) as (_, [port], events):
        out = await exchange(port, b"\xff\xff\xff\x01" + b"A" * 100, read_timeout=1)
        assert out.endswith(b"#08S01Bad handshake")
        await hostile(port)
        await asyncio.sleep(0.3)
        assert (await exchange(port, b"", read_timeout=0.3))[4] == 10
    assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]


async def test_mysql8_over_tls_full_authentication_gives_the_password() -> None:
    who = persona("ubuntu22", mysql="8.0.36-0ubuntu0.22.04.1")
    async with running(MySQLService, who=who, users="dbadmin:S3cure!") as (_, [port], events):
        argv = [need("mysql"), "-h", "127.0.0.1", "-P", str(port), "-u", "dbadmin", "--ssl", "-e", "select 1"]
        code, _, err = await run(*argv, "-pguess")
        assert code == 1 and b"Access denied for user 'dbadmin'@'127.0.0.1' (using password: YES)" in err
        code, _, err = await run(*argv, "-pS3cure!")
        assert code == 0, err
        await events.wait("disconnect", 2)
    auth = events.of("auth")
    assert [(a.fields["password"], a.fields["result"]) for a in auth] == [
        ("guess", "failure"),
        ("S3cure!", "success"),
    ]
    assert all(a.fields["tls_version"].startswith("TLSv1.") for a in auth)
    assert (
        auth[0].fields["method"] == "caching_sha2_password" and auth[0].fields["secret_kind"] == "plaintext"
    )


async def test_mariadb_does_not_offer_ssl_by_default() -> None:
    async with running(MySQLService, who=persona("debian", mysql="10.11.6-MariaDB-0+deb12u1")) as (
        _,
        [port],
        _e,
    ):
        greeting = await exchange(port, b"", read_timeout=0.5)
    caps = int.from_bytes(greeting[4:][greeting[4:].index(b"\x00", 1) + 1 + 4 + 9 :][:2], "little")
    assert not caps & 0x800
