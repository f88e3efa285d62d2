"""The sniffer service: storing fingerprints and scan events (once, across a failed flush), live capture."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from decnet.config import Settings
from decnet.db import SQLModelRepository, get_repository
from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.service import Sniffer
from tests.decnet.sniffer import frames


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SQLModelRepository]:
    repository = get_repository(Settings(data_dir=tmp_path))
    await repository.initialize()
    try:
        yield repository
    finally:
        await repository.close()


async def test_flush_stores_rows_and_events_exactly_once(
    repo: SQLModelRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    sniffer = Sniffer("lo", repo, SnifferConfig(scan_ports=4, scan_window_s=0.01))
    for port in range(1, 6):
        sniffer.analyzer.feed(
            frames.syn(src="203.0.113.5", dport=port, window=2048, options=[("MSS", 1460)]), 1.0
        )
    sniffer.analyzer.feed(frames.syn(src="203.0.113.5", dport=80, window=2048, options=[("MSS", 1460)]), 1.0)
    real_add = repo.add_events
    calls: list[int] = []

    async def failing_once(events: Any) -> Any:
        calls.append(len(events))
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return await real_add(events)

    monkeypatch.setattr(repo, "add_events", failing_once)
    await sniffer.flush()
    assert sniffer.stored["store_errors"] == 1 and sniffer.stored["scan_events"] == 0
    await sniffer.flush()
    assert sniffer.stored["scan_events"] == 1 and calls == [1, 1]
    events = await repo.events_after(0, 10)
    assert [(e.event.service, e.event.event_type, e.event.src_ip) for e in events] == [
        ("sniffer", "scan", "203.0.113.5")
    ]
    rows = await repo.list_fingerprints(src_ip="203.0.113.5")
    by_kind = {r.kind: r for r in rows}
    assert by_kind["scan_tool"].value == "nmap:syn-scan" and by_kind["scan_tool"].count == 6
    await sniffer.flush()
    assert len(await repo.events_after(0, 10)) == 1


async def test_scan_events_name_the_decky(repo: SQLModelRepository) -> None:
    await repo.upsert_decky("decky-07", host="host1", spec={}, ip=frames.DECKY)
    sniffer = Sniffer("lo", repo, SnifferConfig(scan_ports=3, scan_window_s=0.01))
    await sniffer.refresh_deckies()
    for port in range(1, 5):
        sniffer.analyzer.feed(frames.syn(src="203.0.113.6", dport=port), 1.0)
    await sniffer.flush()
    [stored] = await repo.events_after(0, 10)
    event = stored.event
    assert event.decky == "decky-07" and event.fields["ports"] == "4"


@pytest.mark.parametrize("ring_blocks", [4, 0], ids=["ring", "recv"])
async def test_live_capture_on_loopback(repo: SQLModelRepository, ring_blocks: int) -> None:
    sniffer = Sniffer("lo", repo, SnifferConfig(ring_blocks=ring_blocks), promisc=False)
    sniffer.start()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    try:
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET /live HTTP/1.1\r\nHost: lo\r\nX-Test: 1\r\n\r\n")
        client.close()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if sniffer.counters()["fingerprints"] >= 2:
                break
        await sniffer.flush()
        rows = await repo.list_fingerprints(src_ip="127.0.0.1", kind="http_headers")
        assert [r.value for r in rows] == ["GET host,x-test"]
        assert sniffer.capturing and sniffer.counters()["packets"] >= 3
    finally:
        server.close()
        sniffer.stop()
    assert not sniffer.capturing
