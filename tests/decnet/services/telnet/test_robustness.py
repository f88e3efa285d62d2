"""Hostile input to the telnet service: fuzzed IAC streams and sessions, garbage, huge lines, slow drip."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.telnet import TelnetService
from decnet.services.telnet.protocol import MAX_SB, TelnetDecoder
from tests.decnet.services.smtp.support import feed, persona, running, service, talk

_PIECES = [
    b"\xff\xfb\x18",
    b"\xff\xfd\x01",
    b"\xff\xfa\x18\x00xterm\xff\xf0",
    b"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0",
    b"\xff\xfa",
    b"\xff\xff",
    b"\xff",
    b"\r\x00",
    b"\r\n",
    b"root\r\n",
    b"toor\r\n",
    b"alice\r\n",
    b"pw\r\n",
    b"ls -la\r\n",
    b"\x03",
    b"\x04",
    b"\x1b[A",
    b"cat /etc/passwd\r\n",
    b"exit\r\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=100)), max_size=40))
def test_decoder_is_bounded(pieces: list[bytes]) -> None:
    decoder = TelnetDecoder()
    total = 0
    for piece in pieces:
        total += len(decoder.feed(piece))
    assert total <= sum(len(p) for p in pieces)
    assert len(decoder._sb) <= MAX_SB and len(decoder.take_replies()) < 2000
    assert len(decoder.terminal) <= 64


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=100)), max_size=30))
async def test_fuzzed_sessions_end_cleanly(pieces: list[bytes]) -> None:
    svc = service(TelnetService, persona("debian"), auth_fail_delay=0, users="alice:pw")
    out = await feed(svc, b"".join(pieces), timeout=10)
    assert out.startswith(bytes((255, 253, 24)))


async def test_garbage_floods_and_slow_drip() -> None:
    async with running(TelnetService, persona("debian"), auth_fail_delay=0, login_timeout=2) as (
        _,
        port,
        events,
    ):
        out = await talk(port, bytes(range(256)) * 50 + b"\r\n")
        assert out.startswith(bytes((255, 253, 24)))
        out = await talk(port, b"\xff\xfa\x18" + b"A" * 500_000)  # endless subnegotiation
        assert b"login: " in out
        out = await talk(port, b"x" * 300_000 + b"\r\n", wait=1.0)
        assert b"Password: " in out and len(out) < 300_000 + 1000  # a bell per byte past 4096, as a tty rings
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for byte in b"\xff\xfb\x18root\r\n":
            writer.write(bytes((byte,)))
            await writer.drain()
            await asyncio.sleep(0.005)
        data = b""
        while b"Password: " not in data:
            data += await asyncio.wait_for(reader.read(4096), 3)
        writer.close()
        await events.wait("disconnect", 4)
    assert all(e.fields["reason"] != "error" for e in events.of("disconnect"))
