"""MQTT decoding is bounded: any bytes on the wire, no crash, no hang, bounded reads."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.mqtt import MQTTService
from decnet.services.mqtt import codec as c

from ..dns.support import running

CONNECT = c.packet(c.CONNECT, c.string("MQTT") + b"\x04\x02\x00\x3c" + c.string("fuzz"))


def test_varint_bounds() -> None:
    assert c.decode_varint(c.encode_varint(268_435_455), 0) == (268_435_455, 4)
    with pytest.raises(c.MqttError, match="4 octets"):
        c.decode_varint(b"\xff\xff\xff\xff\x01", 0)
    with pytest.raises(c.MqttError, match="truncated"):
        c.decode_varint(b"\x80", 0)


def test_topic_matching() -> None:
    assert c.topic_matches(b"a/+/c", b"a/b/c") and c.topic_matches(b"a/#", b"a/b/c")
    assert not c.topic_matches(b"#", b"$SYS/broker/version") and c.topic_matches(b"$SYS/#", b"$SYS/x")
    assert not c.topic_matches(b"a/+", b"a/b/c")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_connect_parser(data: bytes) -> None:
    with contextlib.suppress(c.MqttError):
        c.parse_connect(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 15), st.binary(max_size=200), st.booleans())
def test_packet_parsers(flags: int, body: bytes, v5: bool) -> None:
    for parse in (lambda: c.parse_publish(flags, body, v5), lambda: c.parse_subscribe(body, v5)):
        with contextlib.suppress(c.MqttError):
            parse()


async def exchange(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    try:
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 2)
    except (ConnectionError, TimeoutError):
        return b""
    finally:
        writer.close()


async def test_garbage_after_connect_and_huge_lengths_close_the_connection() -> None:
    async with running(MQTTService, max_packet=1024) as (svc, events):
        port = svc.bound_ports[0]
        reply = await exchange(port, CONNECT + b"\x30\xff\xff\xff\x7f")
        assert reply == b"\x20\x02\x00\x00"
        await exchange(port, b"\x10\xff\xff\xff\xff\xff")
        await exchange(port, b"GET / HTTP/1.0\r\n\r\n")
        await events.wait("disconnect", 3)
    errors = [e.fields.get("error", "") for e in events.of("disconnect")]
    assert "over max_packet" in errors[0] and errors[1] == "bad remaining length"
    assert (
        events.of("disconnect")[2].fields["reason"] == "eof"
    )  # "GET " reads as a 69-byte PUBACK never completed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=200))
async def test_fuzzed_sessions(tail: bytes) -> None:
    async with running(MQTTService, idle_timeout=0.3, connect_timeout=0.3) as (svc, events):
        await exchange(svc.bound_ports[0], CONNECT + tail)
        await events.wait("disconnect", 1, timeout=3)
