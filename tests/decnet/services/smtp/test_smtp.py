"""The smtp service driven by smtplib: EHLO, AUTH, relay refusal, DATA capture, STARTTLS, BDAT, flavours."""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from pathlib import Path

import pytest

from decnet.services.smtp import SMTPService

from .support import persona, running, talk

MESSAGE = (
    b"From: a@evil.test\r\nTo: bob@corp.example\r\nSubject: invoice\r\nMessage-ID: <1@x>\r\n\r\nhello\r\n"
)


async def test_banner_and_ehlo_match_postfix_on_ubuntu() -> None:
    async with running(SMTPService, persona("ubuntu22"), auth_fail_delay=0) as (_, port, events):
        out = await talk(port, b"EHLO scanner.test\r\nQUIT\r\n")
    text = out.decode()
    assert text.startswith("220 mail01.corp.example ESMTP Postfix (Ubuntu)\r\n")
    assert "250-mail01.corp.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" in text
    assert "250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n" in text and "250 CHUNKING\r\n" in text
    assert text.endswith("221 2.0.0 Bye\r\n")
    assert events.of("ehlo")[0].fields["name"] == "scanner.test"
    assert events.of("disconnect")[0].fields["reason"] == "quit"


def _smtp_session(port: int, user: str, password: str, method: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.test")
        client.user, client.password = user, password
        try:
            code, reply = client.auth(method, getattr(client, f"auth_{method.lower()}"))
        except smtplib.SMTPAuthenticationError as exc:
            code, reply = exc.smtp_code, exc.smtp_error
        return code, reply


async def test_auth_plain_and_login_are_captured() -> None:
    async with running(SMTPService, persona("debian"), auth_fail_delay=0, users="alice:Winter2024") as (
        _,
        port,
        events,
    ):
        code, reply = await asyncio.to_thread(_smtp_session, port, "admin", "hunter2", "PLAIN")
        assert (code, reply) == (535, b"5.7.8 Error: authentication failed: authentication failure")
        code, _ = await asyncio.to_thread(_smtp_session, port, "alice", "Winter2024", "LOGIN")
        assert code == 235
        auths = await events.wait("auth", 2)
    first, second = auths
    assert first.fields["username"] == "admin" and first.fields["password"] == "hunter2"
    assert first.fields["secret_kind"] == "plaintext" and first.fields["result"] == "failure"
    assert first.fields["method"] == "plain"
    assert second.fields["username"] == "alice" and second.fields["result"] == "success"
    assert second.fields["method"] == "login"


def _send(port: int, rcpt: str, *, tls: bool = False) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            client.starttls(context=ctx)
        return client.sendmail("a@evil.test", [rcpt], MESSAGE)


async def test_local_mail_is_captured_and_foreign_relay_refused(tmp_path: Path) -> None:
    async with running(SMTPService, persona("ubuntu22"), state_dir=tmp_path, auth_fail_delay=0) as (
        _,
        port,
        events,
    ):
        assert await asyncio.to_thread(_send, port, "bob@corp.example") == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await asyncio.to_thread(_send, port, "victim@gmail.com")
        data = (await events.wait("data"))[0]
    assert refused.value.recipients["victim@gmail.com"] == (
        554,
        b"5.7.1 <victim@gmail.com>: Relay access denied",
    )
    assert data.fields["sha256"] == hashlib.sha256(MESSAGE).hexdigest()
    assert data.fields["subject"] == "invoice" and data.fields["sender"] == "a@evil.test"
    assert data.fields["recipients"] == "bob@corp.example" and data.fields["relayed"] == "false"
    assert data.fields["size"] == str(len(MESSAGE))
    assert (tmp_path / "mail" / f"{data.fields['sha256']}.eml").read_bytes() == MESSAGE
    results = [e.fields["result"] for e in events.of("rcpt_to")]
    assert results == ["accepted", "relay_denied"]
    assert [e.fields["sender"] for e in events.of("mail_from")] == ["a@evil.test", "a@evil.test"]


async def test_starttls_uses_the_decky_certificate(tmp_path: Path) -> None:
    async with running(SMTPService, persona("ubuntu22"), state_dir=tmp_path) as (_, port, events):
        assert await asyncio.to_thread(_send, port, "postmaster@corp.example", tls=True) == {}
        data = (await events.wait("data"))[0]
    assert data.fields["tls"] == "starttls" and data.fields["tls_version"].startswith("TLSv1.")
    assert (tmp_path / "https-cert.pem").exists()


async def test_bdat_and_errors() -> None:
    body = b"Subject: chunked\r\n\r\nbody"
    script = (
        b"MAIL FROM:<x@y>\r\nEHLO c\r\nRCPT TO:<a@b>\r\nDATA\r\nMAIL FROM:<>\r\nMAIL FROM:<x@y>\r\n"
        b"RCPT TO:<root>\r\nBDAT %d LAST\r\n%sNOOP\r\nFOO\r\n\r\nQUIT\r\n" % (len(body), body)
    )
    async with running(SMTPService, persona("debian")) as (_, port, events):
        out = (await talk(port, script)).decode()
        data = (await events.wait("data"))[0]
    replies = [line for line in out.split("\r\n") if line and not line.startswith("250-")]
    assert replies[0].startswith("220 mail01.corp.example ESMTP Postfix (Debian/GNU)")
    assert replies[1:] == [
        "503 5.5.1 Error: send HELO/EHLO first",
        "250 CHUNKING",
        "503 5.5.1 Error: need MAIL command",
        "503 5.5.1 Error: need RCPT command",
        "250 2.1.0 Ok",
        "503 5.5.1 Error: nested MAIL command",
        "250 2.1.5 Ok",
        replies[8],
        "250 2.0.0 Ok",
        "502 5.5.2 Error: command not recognized",
        "500 5.5.2 Error: bad syntax",
        "221 2.0.0 Bye",
    ]
    assert replies[8].startswith("250 2.0.0 Ok: queued as ")
    assert data.fields["via"] == "bdat" and data.fields["subject"] == "chunked"


async def test_http_on_the_smtp_port_is_refused_as_postfix_does() -> None:
    async with running(SMTPService, persona("debian")) as (_, port, events):
        out = await talk(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await events.wait("disconnect")
    assert out.endswith(b"221 2.7.0 Error: I can break rules, too. Goodbye.\r\n")
    assert events.of("command")[0].fields["error"] == "non_smtp"


async def test_windows_persona_is_microsoft_esmtp() -> None:
    async with running(SMTPService, persona("windows")) as (_, port, _events):
        out = (await talk(port, b"EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<v@gmail.com>\r\nQUIT\r\n")).decode()
    assert out.startswith(
        "220 SRV-ATLAS-07.localdomain Microsoft ESMTP MAIL Service, Version: 10.0.17763.1 ready at  "
    )
    assert "250-SRV-ATLAS-07.localdomain Hello [127.0.0.1]\r\n" in out
    assert "250 2.1.0 a@b.c....Sender OK\r\n" in out
    assert "550 5.7.1 Unable to relay for v@gmail.com\r\n" in out


async def test_too_many_errors_closes_with_421() -> None:
    async with running(SMTPService, persona("debian"), max_errors=3) as (_, port, events):
        out = await talk(port, b"X\r\nY\r\nZ\r\nNOOP\r\n")
        await events.wait("disconnect")
    assert out.endswith(b"421 4.7.0 mail01.corp.example Error: too many errors\r\n")
    assert events.of("disconnect")[0].fields["reason"] == "too_many_errors"


def _inject(port: int) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.recv(1024)
        sock.sendall(b"EHLO a\r\n")
        while not sock.recv(4096).endswith(b"CHUNKING\r\n"):
            pass
        sock.sendall(b"STARTTLS\r\nRSET\r\nMAIL FROM:<injected@evil.test>\r\n")
        assert sock.recv(1024).startswith(b"220 2.0.0 Ready to start TLS")
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        with ctx.wrap_socket(sock) as tls:
            tls.sendall(b"NOOP\r\n")
            return tls.recv(1024)


async def test_plaintext_pipelined_after_starttls_is_discarded(tmp_path: Path) -> None:
    async with running(SMTPService, persona("debian"), state_dir=tmp_path) as (_, port, events):
        answer = await asyncio.to_thread(_inject, port)
        await events.wait("disconnect")
    assert answer == b"250 2.0.0 Ok\r\n"  # the first thing answered over TLS is the NOOP
    assert events.of("mail_from") == []
