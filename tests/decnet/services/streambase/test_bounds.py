"""The stream base's bounds: idle time, session time, connection cap, slow drip."""

from __future__ import annotations

import asyncio
import contextlib
import time

from decnet.services.mysql import MySQLService
from decnet.services.redis import RedisService
from tests.decnet.services.streambase.helpers import running


async def _closed_after(port: int, limit: float, drip: bytes = b"") -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()
    try:
        for byte in drip:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)
        while await asyncio.wait_for(reader.read(4096), limit):
            pass
    except ConnectionResetError:
        pass
    finally:
        writer.close()
    return time.monotonic() - start


async def test_idle_client_is_dropped() -> None:
    async with running(RedisService, idle_timeout=0.4) as (_, [port], events):
        assert await _closed_after(port, 3.0) < 2.0
        [gone] = await events.wait("disconnect")
    assert gone.fields["reason"] == "timeout"


async def test_slow_drip_is_bounded_by_the_session_timeout() -> None:
    async with running(MySQLService, idle_timeout=5.0, session_timeout=0.8) as (_, [port], events):
        elapsed = await _closed_after(port, 3.0, drip=b"\x20\x00\x00\x01" + b"\x00" * 20)
        [gone] = await events.wait("disconnect")
    assert elapsed < 2.5 and gone.fields["reason"] == "timeout"


async def test_connections_above_the_cap_are_refused() -> None:
    async with running(RedisService, max_connections=2) as (_, [port], events):
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        await events.wait("connect", 2)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"PING\r\n")
        with contextlib.suppress(ConnectionResetError):
            assert await asyncio.wait_for(reader.read(100), 2) == b""
        writer.close()
        for _, w in held:
            w.close()
    assert len(events.of("connect")) == 2
