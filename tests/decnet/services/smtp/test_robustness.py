"""Hostile input to the smtp service: fuzzed dialogues, garbage, a huge line, a slow drip, a huge message."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.smtp import SMTPService
from decnet.services.smtp.lines import Closed, LineReader

from .support import feed, persona, running, service, slow_drip, talk

_WORDS = [
    b"EHLO x",
    b"HELO",
    b"MAIL FROM:<a@b>",
    b"RCPT TO:<c@d>",
    b"DATA",
    b"BDAT 5",
    b"BDAT 99999999 LAST",
    b"AUTH PLAIN",
    b"AUTH LOGIN",
    b"AUTH PLAIN AGFsaWNlAHB3",
    b"*",
    b".",
    b"RSET",
    b"STARTTLS",
    b"VRFY root",
    b"QUIT",
    b"",
    b"\xff\xfe",
    b"=",
    b"AUTH",
]
_LINES = st.lists(st.one_of(st.sampled_from(_WORDS), st.binary(max_size=300)), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_LINES, st.sampled_from([b"\r\n", b"\n", b"\r"]))
async def test_fuzzed_dialogues_end_cleanly(lines: list[bytes], eol: bytes) -> None:
    svc = service(SMTPService, persona("debian"), auth_fail_delay=0, max_message_bytes=4096, users="a:b")
    out = await feed(svc, eol.join(lines) + eol)
    assert out.startswith(b"220 ") and len(out) < 200_000


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000), st.integers(1, 64))
async def test_line_reader_is_bounded(data: bytes, limit: int) -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    lines = LineReader(reader, limit)
    count = 0
    try:
        while True:
            line = await lines.readline(1.0)
            assert len(line.data) <= limit
            count += 1
    except Closed as closed:
        assert closed.reason == "eof"
    assert count == data.count(b"\n")


async def test_garbage_huge_line_and_slow_drip_are_survived() -> None:
    async with running(SMTPService, persona("debian"), max_message_bytes=2048) as (_, port, events):
        out = await talk(port, bytes(range(256)) * 40 + b"\r\n")
        assert out.startswith(b"220 ")
        out = await talk(port, b"EHLO " + b"A" * 1_000_000 + b"\r\nNOOP\r\nQUIT\r\n")
        assert b"500 5.5.0 Error: line too long\r\n250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n" in out
        out = await slow_drip(port, b"EHLO drip\r\nQUIT\r\n", delay=0.005)
        assert out.endswith(b"221 2.0.0 Bye\r\n")
        big = (
            b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<root>\r\nDATA\r\n"
            + b"x" * 100
            + b"\r\n"
            + b"y" * 3000
            + b"\r\n.\r\nQUIT\r\n"
        )
        out = await talk(port, big)
        assert b"552 5.3.4 Error: message file too big\r\n" in out
        await events.wait("disconnect", 4)
    assert (await events.wait("data"))[0].fields["result"] == "too_big"
    assert all(e.fields["reason"] != "error" for e in events.of("disconnect"))


async def test_idle_client_is_dropped() -> None:
    async with running(SMTPService, persona("debian"), idle_timeout=0.3) as (_, port, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await reader.readline()
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()
        assert (await events.wait("disconnect"))[0].fields["reason"] == "timeout"


async def test_session_length_is_bounded() -> None:
    async with running(SMTPService, persona("debian"), max_session_seconds=0.4) as (_, port, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await reader.readline()
        for _ in range(8):  # an active client, never idle, still goes at the limit
            try:
                writer.write(b"NOOP\r\n")
                await writer.drain()
            except ConnectionError:
                break
            await asyncio.sleep(0.1)
        writer.close()
        assert (await events.wait("disconnect"))[0].fields["reason"] == "max_duration"
