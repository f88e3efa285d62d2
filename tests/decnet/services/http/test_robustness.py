"""Hostile clients over real sockets: garbage, floods, slow drip, idle keep-alive, connection caps."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest

from .conftest import raw, running


async def _still_serves(port: int) -> None:
    out = await raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 OK"), out[:100]


@pytest.mark.parametrize("flavour", ["nginx", "apache", "iis"])
async def test_random_garbage_is_survived(flavour: str, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(f"decnet-{flavour}")
    seeds = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /wp-login.php HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nlog=a&pwd=",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    ]
    payloads: list[bytes] = []
    for _ in range(60):
        if rng.random() < 0.5:
            payloads.append(rng.randbytes(rng.randint(0, 3000)))
        else:
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(len(data) + 1)
                data[pos : pos + rng.randint(0, 4)] = rng.randbytes(rng.randint(0, 6))
            payloads.append(bytes(data))
    caplog.set_level(logging.ERROR, logger="decnet")
    async with running(flavour, fake_app="wordpress", header_timeout=0.5, body_timeout=0.5) as (
        _,
        port,
        events,
    ):
        results = await asyncio.gather(*(raw(port, p, read_timeout=2) for p in payloads))
        await _still_serves(port)
    assert not [r for r in caplog.records if r.name.startswith("decnet.services")]
    assert len(results) == len(payloads)
    assert len(events.of("connect")) == len(payloads) + 1


async def _flood(port: int, chunks: int) -> tuple[int, bytes]:
    """Send ``GET /AAAA...`` without end; return (bytes sent before the server hung up, what it answered)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    try:
        writer.write(b"GET /")
        for _ in range(chunks):
            writer.write(b"A" * 65536)
            await asyncio.wait_for(writer.drain(), 3)
            sent += 65536
    except (ConnectionError, TimeoutError):
        pass
    try:
        out = await asyncio.wait_for(reader.read(-1), 5)
    except ConnectionError:
        out = b""
    writer.close()
    return sent, out


async def test_endless_line_is_cut_at_the_limit() -> None:
    async with running("nginx") as (_, port, events):
        sent, out = await _flood(port, 10)  # 640 KiB: answered, then the rest is drained and dropped
        (request,) = await events.wait("request")
        flood_sent, _ = await _flood(port, 400)  # 25 MiB: cut off after the bounded linger
    assert sent == 10 * 65536 and out.startswith(b"HTTP/1.1 414 Request-URI Too Large")
    assert request.fields["status"] == "414" and len(request.fields["raw"]) <= 1024
    assert flood_sent < 20 * 1024 * 1024


async def test_oversized_bodies_are_refused() -> None:
    async with running("apache", max_body_bytes=1000) as (_, port, events):
        out = await raw(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n" + b"a" * 1001)
        chunks = b"".join(b"100\r\n" + b"b" * 256 + b"\r\n" for _ in range(5))
        out2 = await raw(port, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
        await events.wait("request", 2)
    assert out.startswith(b"HTTP/1.1 413 ") and out2.startswith(b"HTTP/1.1 413 ")
    assert [e.fields["body_bytes"] for e in events.of("request")] == ["1001", "1024"]


async def test_slow_drip_is_cut_by_the_header_timeout() -> None:
    async with running("nginx", header_timeout=0.4) as (_, port, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        loop = asyncio.get_running_loop()
        start = loop.time()
        closed_at = None
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                writer.write(bytes([byte]))
                await writer.drain()
            except ConnectionError:
                break
            if reader.at_eof() or await _closed(reader):
                closed_at = loop.time()
                break
            await asyncio.sleep(0.05)
        writer.close()
        (disconnect,) = await events.wait("disconnect")
    assert closed_at is not None and closed_at - start < 2.0
    assert disconnect.fields["reason"] == "timeout" and disconnect.fields["requests"] == "0"
    assert not events.of("request")


async def _closed(reader: asyncio.StreamReader) -> bool:
    try:
        data = await asyncio.wait_for(reader.read(1), 0.01)
    except TimeoutError:
        return False
    assert data == b"", data  # nginx answers a slow client with nothing
    return True


async def test_idle_keep_alive_is_closed() -> None:
    async with running("iis", idle_timeout=0.3) as (_, port, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        out = await asyncio.wait_for(reader.read(-1), 3)
        writer.close()
        (disconnect,) = await events.wait("disconnect")
    assert out.startswith(b"HTTP/1.1 200 OK") and disconnect.fields["reason"] == "timeout"


async def test_connection_cap() -> None:
    async with running("nginx", max_connections=3, header_timeout=5) as (_, port, events):
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        await events.wait("connect", 3)
        extra = await raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", read_timeout=2)
        assert extra == b""
        for _, writer in held:
            writer.close()
        await events.wait("disconnect", 3)
        await _still_serves(port)
