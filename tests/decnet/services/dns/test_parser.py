"""The DNS parser is strict and bounded: loops, overruns and garbage are refused, never hang."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceContext
from decnet.services.dns import DNSService
from decnet.services.dns import message as m
from decnet.services.dns.transport import SourceLimiter

from .support import Events, make_persona

HEADER = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0)


def test_pointer_loops_and_forward_pointers_are_refused() -> None:
    with pytest.raises(m.DnsError, match="backwards"):
        m.parse(HEADER + b"\xc0\x0c\0\x01\0\x01")  # points at itself
    with pytest.raises(m.DnsError, match="backwards"):
        m.parse(HEADER + b"\x01a\xc0\x0c\0\x01\0\x01")  # points at its own start
    with pytest.raises(m.DnsError, match="backwards"):
        m.parse(HEADER + b"\xc0\x20\0\x01\0\x01")


def test_name_bounds() -> None:
    long_name = b"".join(b"\x3f" + b"a" * 63 for _ in range(4)) + b"\0"
    with pytest.raises(m.DnsError, match="255"):
        m.parse(HEADER + long_name + b"\0\x01\0\x01")
    with pytest.raises(m.DnsError, match="label type"):
        m.parse(HEADER + b"\x41" + b"a" * 65 + b"\0\0\x01\0\x01")
    with pytest.raises(m.DnsError, match="too many"):
        m.parse(struct.pack("!HHHHHH", 1, 0, 65535, 0, 0, 0))


def test_compression_round_trip() -> None:
    b = m.Builder()
    q = m.Question(m.name_from_text("www.Example.org"), m.A, m.IN)
    b.question(q)
    b.record(m.RR(q.name, m.CNAME, 60, m.name_from_text("web.example.org")), 1)
    data = b.finish(5, 0x8400)
    msg = m.parse(data)
    assert msg.questions == (q,) and len(data) < 60
    assert m.lower(m.read_name(data, 12 + 17 + 4 + 12)[0]) == (b"web", b"example", b"org")


SERVICE = DNSService(ServiceContext(make_persona(), "127.0.0.1", Events(), Path("/nonexistent")))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_get_a_bounded_answer_or_none(data: bytes) -> None:
    reply = SERVICE.answer(data, "192.0.2.1", 1234, None, "udp")
    assert reply is None or len(reply) <= 1232


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(min_size=1, max_size=70), max_size=8), st.integers(0, 0xFFFF), st.binary(max_size=40)
)
def test_mutated_queries(labels: list[bytes], qtype: int, tail: bytes) -> None:
    body = b"".join(bytes([len(x) & 0x3F]) + x[:63] for x in labels) + b"\0"
    reply = SERVICE.answer(HEADER + body + struct.pack("!HH", qtype, 1) + tail, "192.0.2.1", 1, None, "tcp")
    assert reply is None or m.parse_header(reply)[0] == 7
    SERVICE.ctx.events.items.clear()  # type: ignore[attr-defined]


def test_limiter_forgets_old_sources_but_counts_their_drops() -> None:
    lim = SourceLimiter(1, 1, max_sources=2)
    assert lim.allow("a", 0.0) == (True, 0)
    assert lim.allow("a", 0.0) == (False, 0)
    lim.allow("b", 0.0)
    lim.allow("c", 0.0)
    assert lim.forgotten_drops == 1
    assert lim.allow("b", 0.1) == (False, 0) and lim.allow("b", 5.0) == (True, 1)
