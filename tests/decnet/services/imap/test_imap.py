"""The imap service driven by imaplib: greeting, LOGIN/AUTHENTICATE capture, the bait mailbox, TLS, APPEND."""

from __future__ import annotations

import asyncio
import imaplib
import ssl
from pathlib import Path

import pytest

from decnet.services.imap import IMAPService
from tests.decnet.services.smtp.support import free_port, nmap_service, persona, running, talk


def _ctx() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


def _failed_login(port: int, tls: str = "") -> tuple[bytes, str]:
    if tls == "implicit":
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=_ctx(), timeout=10)
    else:
        client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
        if tls == "starttls":
            client.starttls(_ctx())
    welcome = client.welcome
    try:
        client.login("admin@corp.example", "Passw0rd!")
    except imaplib.IMAP4.error as exc:
        error = str(exc)
    else:
        error = ""
    client.logout()
    return welcome, error


def _mail_session(port: int) -> dict[str, object]:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    out: dict[str, object] = {"login": client.login("alice", "s3cret")}
    out["list"] = client.list()
    out["select"] = client.select("INBOX")
    out["search"] = client.search(None, "ALL")
    out["fetch"] = client.fetch("1", "(RFC822)")
    out["headers"] = client.fetch("1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
    out["envelope"] = client.fetch("2", "(ENVELOPE BODYSTRUCTURE INTERNALDATE)")
    out["uid"] = client.uid("FETCH", "3", "(FLAGS)")
    out["store"] = client.store("3", "+FLAGS", "\\Deleted")
    out["status"] = client.status("INBOX", "(MESSAGES UNSEEN)")
    out["append"] = client.append(
        "Drafts", "", imaplib.Time2Internaldate(0), b"Subject: exfil\r\n\r\nstolen\r\n"
    )
    out["close"] = client.close()
    out["logout"] = client.logout()
    return out


async def test_failed_login_is_captured_like_dovecot() -> None:
    async with running(IMAPService, persona("ubuntu22"), auth_fail_delay=0) as (_, port, events):
        welcome, error = await asyncio.to_thread(_failed_login, port)
        auth = (await events.wait("auth"))[0]
    assert welcome == (
        b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] "
        b"Dovecot (Ubuntu) ready."
    )
    assert error == "b'[AUTHENTICATIONFAILED] Authentication failed.'"
    assert auth.fields["username"] == "admin@corp.example" and auth.fields["password"] == "Passw0rd!"
    assert auth.fields["secret_kind"] == "plaintext" and auth.fields["method"] == "login"


async def test_configured_account_browses_the_bait_mailbox() -> None:
    async with running(IMAPService, persona("debian"), users="alice:s3cret") as (_, port, events):
        out = await asyncio.to_thread(_mail_session, port)
        await events.wait("disconnect")
    assert out["login"][1][0].endswith(b"SPECIAL-USE] Logged in")  # type: ignore[index]
    listing = out["list"][1]  # type: ignore[index]
    assert b'(\\HasNoChildren) "/" INBOX' in listing and b'(\\HasNoChildren \\Sent) "/" Sent' in listing
    assert out["select"] == ("OK", [b"3"])
    assert out["search"] == ("OK", [b"1 2 3"])
    fetched = out["fetch"][1][0]  # type: ignore[index]
    assert fetched[0] == b"1 (RFC822 {%d}" % len(fetched[1])
    assert b"Subject: Your VPN password has been reset" in fetched[1]
    headers = out["headers"][1]  # type: ignore[index]
    assert headers[0][0].startswith(b"1 (UID 1 FLAGS (\\Seen) RFC822.SIZE ")
    assert headers[0][1].startswith(
        b"From: IT Helpdesk <helpdesk@corp.example>\r\nSubject: Your VPN password"
    )
    envelope = out["envelope"][1][0]  # type: ignore[index]
    assert b'"[mail01] nightly backup report"' in envelope and b'BODYSTRUCTURE ("text" "plain"' in envelope
    assert out["uid"] == ("OK", [b"3 (UID 3 FLAGS ())"])
    assert out["store"] == ("OK", [b"3 (FLAGS (\\Deleted))"])
    assert out["status"] == ("OK", [b"INBOX (MESSAGES 3 UNSEEN 1)"])
    assert out["append"][0] == "OK"  # type: ignore[index]
    assert out["logout"][0] == "BYE"  # type: ignore[index]
    append = events.of("append")[0]
    assert append.fields["mailbox"] == "Drafts" and append.fields["size"] == "26"
    assert append.fields["username"] == "alice"
    verbs = [e.fields["verb"] for e in events.of("command")]
    assert {"SELECT", "FETCH", "UID", "STORE", "STATUS", "LIST", "SEARCH", "LOGOUT"} <= set(verbs)


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
async def test_tls_modes(mode: str, tmp_path: Path) -> None:
    plain, tls = free_port(), free_port()
    async with running(
        IMAPService,
        persona("rocky9"),
        state_dir=tmp_path,
        ports=(plain, tls),
        tls_ports=(tls,),
        auth_fail_delay=0,
    ) as (_, _port, events):
        welcome, _error = await asyncio.to_thread(_failed_login, tls if mode == "implicit" else plain, mode)
        auth = (await events.wait("auth"))[0]
    assert welcome.endswith(b"] Dovecot ready.")
    assert auth.fields["tls"] == mode


async def test_authenticate_plain_literals_and_errors() -> None:
    script = (
        b"a1 AUTHENTICATE PLAIN\r\nAGJvYgBodW50ZXIy\r\n"
        b"a2 LOGIN {3}\r\nbob {4+}\r\npw\x00d\r\n"
        b"a3 SELECT INBOX\r\n"
        b"a4 FOO\r\n"
        b"garbage\r\n"
        b"a5 LOGOUT\r\n"
    )
    async with running(IMAPService, persona("debian"), auth_fail_delay=0) as (_, port, events):
        out = (await talk(port, script)).decode()
        auths = await events.wait("auth", 2)
    lines = out.split("\r\n")
    assert lines[1:] == [
        "+ ",
        "a1 NO [AUTHENTICATIONFAILED] Authentication failed.",
        "+ OK",
        "a2 NO [AUTHENTICATIONFAILED] Authentication failed.",
        "a3 BAD Error in IMAP command SELECT: Unknown command.",
        "a4 BAD Error in IMAP command FOO: Unknown command.",
        "* BAD Error in IMAP command received by server.",
        "* BYE Logging out",
        "a5 OK Logout completed.",
        "",
    ]
    assert (auths[0].fields["username"], auths[0].fields["password"]) == ("bob", "hunter2")
    assert auths[0].fields["method"] == "plain"
    assert auths[1].fields["password"] == "pw\\x00d" and "secret_b64" in auths[1].fields


@pytest.mark.parametrize(
    ("kind", "product"),
    [("ubuntu22", "Dovecot imapd"), ("debian", "Dovecot imapd"), ("windows", "Microsoft Exchange")],
)
async def test_nmap_identifies_the_product(kind: str, product: str) -> None:
    async with running(IMAPService, persona(kind)) as (_, port, _events):
        found = await nmap_service(port)
    assert product in found and "python" not in found.lower(), found
