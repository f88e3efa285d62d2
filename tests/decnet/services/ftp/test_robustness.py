"""Hostile input to the ftp service: fuzzed sessions, garbage, a huge line, a slow drip, idle timeout."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.ftp import FTPService
from tests.decnet.services.smtp.support import feed, persona, running, service, slow_drip, talk

_WORDS = [
    b"USER anonymous",
    b"USER alice",
    b"PASS x",
    b"PASS",
    b"CWD /etc",
    b"CWD ..",
    b"CDUP",
    b"PWD",
    b"TYPE I",
    b"TYPE Z",
    b"SIZE /etc/passwd",
    b"MDTM /etc/hostname",
    b"MKD d",
    b"RMD d",
    b"DELE x",
    b"RNFR /tmp",
    b"RNTO /x",
    b"REST 99999999999999",
    b"PORT 1,2,3",
    b"EPRT |1|198.51.100.7|5|",
    b"LIST",
    b"RETR x",
    b"STOR y",
    b"STAT",
    b"HELP",
    b"FEAT",
    b"SITE CHMOD 777 x",
    b"OPTS UTF8 ON",
    b"QUIT",
    b"",
    b"\xff\xf4",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.binary(max_size=200)), max_size=30))
async def test_fuzzed_sessions_end_cleanly(lines: list[bytes]) -> None:
    svc = service(
        FTPService, persona("debian"), auth_fail_delay=0, anonymous=True, users="alice:*", data_timeout=0.05
    )
    out = await feed(svc, b"\r\n".join(lines) + b"\r\n")
    assert out.startswith(b"220 (vsFTPd 3.0.3)\r\n")


async def test_garbage_huge_line_slow_drip_and_idle() -> None:
    async with running(FTPService, persona("ubuntu22"), idle_timeout=0.5) as (_, port, events):
        out = await talk(port, bytes(range(256)) * 30 + b"\r\nQUIT\r\n")
        assert out.endswith(b"221 Goodbye.\r\n")
        out = await talk(port, b"USER " + b"A" * 200_000 + b"\r\nQUIT\r\n")
        assert out.endswith(b"500 Input line too long.\r\n221 Goodbye.\r\n")
        out = await slow_drip(port, b"SYST\r\nQUIT\r\n", delay=0.005)
        assert out.endswith(b"530 Please login with USER and PASS.\r\n221 Goodbye.\r\n")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 3) == b"220 (vsFTPd 3.0.5)\r\n421 Timeout.\r\n"
        writer.close()
        await events.wait("disconnect", 4)
    assert [e.fields["reason"] for e in events.of("disconnect")] == ["quit", "quit", "quit", "timeout"]
