"""The pop3 service driven by poplib: greeting, CAPA, USER/PASS and AUTH capture, the bait mailbox, STLS, 995."""

from __future__ import annotations

import asyncio
import poplib
import ssl
from pathlib import Path

import pytest

from decnet.services.pop3 import POP3Service
from tests.decnet.services.smtp.support import free_port, nmap_service, persona, running, talk


def _client_ctx() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


def _session(port: int, user: str, password: str, *, tls: str = "") -> dict[str, object]:
    if tls == "implicit":
        client: poplib.POP3 = poplib.POP3_SSL("127.0.0.1", port, timeout=10, context=_client_ctx())
    else:
        client = poplib.POP3("127.0.0.1", port, timeout=10)
    out: dict[str, object] = {"welcome": client.getwelcome()}
    if tls == "stls":
        client.stls(context=_client_ctx())
    out["capa"] = client.capa()
    client.user(user)
    try:
        client.pass_(password)
    except poplib.error_proto as exc:
        out["error"] = exc.args[0]
        client.quit()
        return out
    out["stat"] = client.stat()
    out["uidl"] = client.uidl()[1]
    out["retr"] = client.retr(1)[1]
    out["top"] = client.top(2, 0)[1]
    out["dele"] = client.dele(3)
    out["quit"] = client.quit()
    return out


async def test_login_failure_is_captured_and_answered_like_dovecot() -> None:
    async with running(POP3Service, persona("ubuntu22"), auth_fail_delay=0) as (_, port, events):
        out = await asyncio.to_thread(_session, port, "root", "123456")
        auth = (await events.wait("auth"))[0]
    assert out["welcome"] == b"+OK Dovecot (Ubuntu) ready."
    assert out["error"] == b"-ERR [AUTH] Authentication failed."
    assert out["capa"] == {
        "TOP": [],
        "UIDL": [],
        "RESP-CODES": [],
        "PIPELINING": [],
        "AUTH-RESP-CODE": [],
        "STLS": [],
        "USER": [],
        "SASL": ["PLAIN"],
        "CAPA": [],
    }
    assert auth.fields["username"] == "root" and auth.fields["password"] == "123456"
    assert auth.fields["result"] == "failure" and auth.fields["method"] == "user"


async def test_configured_account_reads_the_bait_mailbox() -> None:
    async with running(POP3Service, persona("debian"), users="alice:s3cret") as (_, port, events):
        out = await asyncio.to_thread(_session, port, "alice", "s3cret")
        await events.wait("disconnect")
    stat = out["stat"]
    assert isinstance(stat, tuple) and stat[0] == 3
    retr = b"\r\n".join(out["retr"])  # type: ignore[arg-type]
    assert (
        b"Subject: Your VPN password has been reset" in retr and b"Delivered-To: alice@corp.example" in retr
    )
    top = b"\n".join(out["top"])  # type: ignore[arg-type]
    assert b"Subject: [mail01] nightly backup report" in top and b"Credentials" not in top
    assert out["dele"] == b"+OK Marked to be deleted."
    assert out["quit"] == b"+OK Logging out, messages deleted."
    verbs = [e.fields["verb"] for e in events.of("command") if e.fields["state"] == "transaction"]
    assert verbs == ["STAT", "UIDL", "RETR", "TOP", "DELE", "QUIT"]
    assert events.of("auth")[0].fields["result"] == "success"


@pytest.mark.parametrize("mode", ["stls", "implicit"])
async def test_tls_modes(mode: str, tmp_path: Path) -> None:
    plain, tls = free_port(), free_port()
    async with running(
        POP3Service,
        persona("rocky9"),
        state_dir=tmp_path,
        ports=(plain, tls),
        tls_ports=(tls,),
        auth_fail_delay=0,
    ) as (_, _port, events):
        out = await asyncio.to_thread(_session, tls if mode == "implicit" else plain, "bob", "pw", tls=mode)
        auth = (await events.wait("auth"))[0]
    assert out["welcome"] == b"+OK Dovecot ready."
    assert auth.fields["tls"] == ("implicit" if mode == "implicit" else "starttls")


async def test_auth_plain_and_exchange_persona() -> None:
    async with running(POP3Service, persona("windows"), auth_fail_delay=0) as (_, port, events):
        out = await talk(port, b"AUTH PLAIN AGFkbWluAFBAc3N3MHJk\r\nAUTH X\r\nRETR 1\r\nQUIT\r\n")
        auth = (await events.wait("auth"))[0]
    assert out.decode().split("\r\n") == [
        "+OK The Microsoft Exchange POP3 service is ready.",
        "-ERR Logon failure: unknown user name or bad password.",
        "-ERR [AUTH] Unsupported authentication mechanism.",
        "-ERR Unknown command.",
        "+OK Logging out",
        "",
    ]
    assert (auth.fields["username"], auth.fields["password"], auth.fields["method"]) == (
        "admin",
        "P@ssw0rd",
        "plain",
    )


@pytest.mark.parametrize(
    ("kind", "product"), [("rocky9", "Dovecot pop3d"), ("windows", "Microsoft Exchange")]
)
async def test_nmap_identifies_the_product(kind: str, product: str) -> None:
    async with running(POP3Service, persona(kind)) as (_, port, _events):
        found = await nmap_service(port)
    assert product in found and "python" not in found.lower(), found
