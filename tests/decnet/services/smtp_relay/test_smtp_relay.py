"""The smtp_relay service: an open relay that accepts any recipient without AUTH (driven by smtplib)."""

from __future__ import annotations

import asyncio
import smtplib
from pathlib import Path

from decnet.services.smtp_relay import SMTPRelayService
from decnet.services.smtp_relay.service import SMTPRelayConfig
from tests.decnet.services.smtp.support import nmap_service, persona, running, talk

SPAM = b"From: promo@spam.test\r\nSubject: relay test 42\r\n\r\nbuy now\r\n"


def _relay(port: int) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("spammer.test")
        return client.sendmail("promo@spam.test", ["victim@gmail.com", "x@yahoo.com"], SPAM)


async def test_foreign_recipients_are_accepted_and_logged_as_relayed(tmp_path: Path) -> None:
    async with running(SMTPRelayService, persona("debian"), state_dir=tmp_path) as (_, port, events):
        assert await asyncio.to_thread(_relay, port) == {}
        data = (await events.wait("data"))[0]
    assert data.service == "smtp_relay"
    assert data.fields["relayed"] == "true" and data.fields["recipients"] == "victim@gmail.com,x@yahoo.com"
    assert data.fields["subject"] == "relay test 42" and data.fields["result"] == "queued"
    assert [e.fields["result"] for e in events.of("rcpt_to")] == ["relayed", "relayed"]
    assert (tmp_path / "mail" / f"{data.fields['sha256']}.eml").exists()


async def test_relay_can_be_turned_off_and_is_still_postfix() -> None:
    assert SMTPRelayConfig().relay is True
    async with running(SMTPRelayService, persona("ubuntu22"), relay=False) as (_, port, _events):
        out = await talk(port, b"HELO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<v@gmail.com>\r\nQUIT\r\n")
    assert out.startswith(b"220 mail01.corp.example ESMTP Postfix (Ubuntu)\r\n")
    assert b"554 5.7.1 <v@gmail.com>: Relay access denied\r\n" in out


async def test_auth_attempts_are_captured_too() -> None:
    async with running(SMTPRelayService, persona("debian"), auth_fail_delay=0) as (_, port, events):
        await talk(port, b"EHLO x\r\nAUTH PLAIN AHJvb3QAdG9vcg==\r\nQUIT\r\n")
        auth = (await events.wait("auth"))[0]
    assert (auth.fields["username"], auth.fields["password"], auth.fields["result"]) == (
        "root",
        "toor",
        "failure",
    )


async def test_nmap_sees_postfix() -> None:
    async with running(SMTPRelayService, persona("debian")) as (_, port, _events):
        assert "Postfix smtpd" in await nmap_service(port)
