"""Hostile input to the pop3 service: fuzzed sessions, garbage, a huge line, a slow drip."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.pop3 import POP3Service
from tests.decnet.services.smtp.support import feed, persona, running, service, slow_drip, talk

_WORDS = [
    b"USER alice",
    b"PASS pw",
    b"PASS",
    b"AUTH PLAIN",
    b"AUTH PLAIN AGEAYg==",
    b"AUTH",
    b"*",
    b"STAT",
    b"LIST",
    b"LIST 2",
    b"LIST 99999999999",
    b"UIDL",
    b"RETR 1",
    b"TOP 1 5",
    b"TOP 2 x",
    b"DELE 1",
    b"RSET",
    b"CAPA",
    b"STLS",
    b"NOOP",
    b"QUIT",
    b"",
    b"\x00\xff",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.binary(max_size=200)), max_size=30))
async def test_fuzzed_sessions_end_cleanly(lines: list[bytes]) -> None:
    svc = service(POP3Service, persona("debian"), auth_fail_delay=0, users="alice:*")
    out = await feed(svc, b"\r\n".join(lines) + b"\r\n")
    assert out.startswith(b"+OK Dovecot ready.\r\n")


async def test_garbage_huge_line_and_slow_drip() -> None:
    async with running(POP3Service, persona("debian")) as (_, port, events):
        out = await talk(port, bytes(range(256)) * 20 + b"\r\n" * 12)
        assert out.endswith(b"-ERR Too many bad commands.\r\n")
        out = await talk(port, b"USER " + b"x" * 500_000 + b"\r\nNOOP\r\nQUIT\r\n")
        assert out.endswith(b"-ERR Input line too long.\r\n+OK\r\n+OK Logging out\r\n")
        out = await slow_drip(port, b"CAPA\r\nQUIT\r\n", delay=0.005)
        assert out.endswith(b"+OK Logging out\r\n")
        await events.wait("disconnect", 3)
    assert [e.fields["reason"] for e in events.of("disconnect")] == ["too_many_errors", "quit", "quit"]
