"""The BER decoder and the agent are strict and bounded: any bytes, no crash, bounded answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceContext
from decnet.services.snmp import SNMPService, ber
from decnet.services.snmp import message as sm

from ..dns.support import Events, make_persona

AGENT = SNMPService(ServiceContext(make_persona(), "127.0.0.1", Events(), Path("/nonexistent")))


def get(
    oids: list[tuple[int, ...]], community: bytes = b"public", tag: int = sm.GET, version: int = 1
) -> bytes:
    binds = ber.seq(*(sm.varbind(o, ber.NULL_VALUE) for o in oids))
    pdu = ber.seq(ber.enc_int(7), ber.enc_int(0), ber.enc_int(0), binds, tag=tag)
    return ber.seq(ber.enc_int(version), ber.enc_octets(community), pdu)


def test_round_trips() -> None:
    for value in (0, 1, 127, 128, -1, -129, 2**31, 2**63 - 1):
        enc = ber.enc_int(value)
        assert ber.decode_int(ber.read_tlv(enc, 0, len(enc)).content(enc)) == value
    oid = (1, 3, 6, 1, 4, 1, 8072, 3, 2, 10, 2**32 - 1)
    enc = ber.enc_oid(oid)
    assert ber.decode_oid(ber.read_tlv(enc, 0, len(enc)).content(enc)) == oid
    msg = sm.parse(get([(1, 3, 6, 1, 2, 1, 1, 5, 0)]))
    assert msg.community == b"public" and msg.pdu is not None and msg.pdu.varbinds[0][1] == b"\x05\x00"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x30\x80\x02\x01\x01\x00\x00", "indefinite"),
        (b"\x30\x84\xff\xff\xff\xff", "bad length"),
        (b"\x30\x05\x02\x01", "past"),
        (b"\x1f\x01\x00", "multi-octet"),
        (b"\x30\x03\x02\x01\x05", "too short"),
    ],
)
def test_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ber.BerError, match=reason):
        sm.parse(data)


def test_oid_bounds() -> None:
    with pytest.raises(ber.BerError):
        ber.decode_oid(b"\x2b" + b"\x01" * 200)
    with pytest.raises(ber.BerError, match="too large"):
        ber.decode_oid(b"\x2b\x9f\xff\xff\xff\xff\x7f")
    with pytest.raises(ber.BerError, match="truncated"):
        ber.decode_oid(b"\x2b\x81")


def test_too_many_varbinds() -> None:
    with pytest.raises(ber.BerError, match="too many"):
        sm.parse(get([(1, 3, 6, i) for i in range(100)]))


def test_bulk_is_capped_by_size() -> None:
    binds = ber.seq(sm.varbind((1, 3), ber.NULL_VALUE))
    pdu = ber.seq(ber.enc_int(1), ber.enc_int(0), ber.enc_int(10000), binds, tag=sm.GETBULK)
    AGENT.ctx.events.items.clear()  # type: ignore[attr-defined]
    reply = AGENT.handle(ber.seq(ber.enc_int(1), ber.enc_octets(b"public"), pdu), "192.0.2.1", 1)
    assert reply is not None and len(reply) <= 1472
    assert 40 <= len(sm.parse(reply).pdu.varbinds) <= 50  # type: ignore[union-attr]
    [amp] = AGENT.ctx.events.of("amplification")  # type: ignore[attr-defined]
    assert amp.fields["max_repetitions"] == "10000" and int(amp.fields["response_size"]) > 1000


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes(data: bytes) -> None:
    reply = AGENT.handle(data, "192.0.2.1", 1)
    assert reply is None or len(reply) <= 1472
    AGENT.ctx.events.items.clear()  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**32 - 1), min_size=2, max_size=12), min_size=1, max_size=8),
    st.sampled_from([sm.GET, sm.GETNEXT, sm.GETBULK, sm.SET, 0xA9]),
    st.integers(0, 3),
    st.binary(max_size=8),
)
def test_well_formed_requests(oids: list[list[int]], tag: int, version: int, junk: bytes) -> None:
    clean = [(min(o[0], 2), min(o[1], 39), *o[2:]) for o in oids]
    reply = AGENT.handle(get(clean, tag=tag, version=version) + junk, "192.0.2.1", 1)
    assert reply is None or len(reply) <= 1472
    AGENT.ctx.events.items.clear()  # type: ignore[attr-defined]
