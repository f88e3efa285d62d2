"""Sender -> receiver -> repository: every event exactly once, bad input quarantined."""

from __future__ import annotations

import asyncio
from pathlib import Path

from decnet.collector import RepositorySink
from decnet.db.repository import SQLModelRepository
from decnet.events import Event, frame_lf
from decnet.events.receiver import EventReceiver
from decnet.events.sender import EventSender
from decnet.events.spool import Spool
from tests.decnet.events.helpers import wait_for


def _events(n: int) -> list[Event]:
    return [
        Event.new("decky-07", "http", "request", src_ip="10.9.0.8", fields={"path": f"/p/{i}"})
        for i in range(n)
    ]


async def test_receiver_that_goes_away_mid_stream_still_stores_every_event_once(
    repo: SQLModelRepository, tmp_path: Path
) -> None:
    sock = tmp_path / "ingest.sock"
    sink = RepositorySink(repo)
    receiver = EventReceiver(sink, batch_size=250, flush_interval=0.02)
    await receiver.start_unix(sock)
    sender = EventSender(
        f"unix:{sock}", Spool(tmp_path / "spool", memory_items=500), reconnect_max_delay=0.05
    )
    await sender.start()
    events = _events(4000)
    for event in events[:2000]:
        sender.send(event)
    await wait_for(lambda: sink.counters.stored >= 300, timeout=30, what="first batches stored")
    await receiver.abort()  # the collector dies with batches in flight
    for event in events[2000:]:
        sender.send(event)
    await asyncio.sleep(0.2)
    sink2 = RepositorySink(repo)
    receiver = EventReceiver(sink2, batch_size=250, flush_interval=0.02)
    await receiver.start_unix(sock)
    assert await sender.flush(timeout=60)
    await sender.stop()
    await receiver.stop()
    assert await repo.count_events() == len(events)
    stored = await repo.events_after(0, limit=10_000)
    assert sorted(s.event.eid for s in stored) == sorted(e.eid for e in events)
    # The batch being written when the collector died may have committed without the dying
    # sink counting it; the repository (above) is the truth, the counters are off by at most it.
    counted = sink.counters.stored + sink2.counters.stored
    assert len(events) - 250 <= counted <= len(events)


async def test_bad_frames_land_in_quarantine_with_reason_and_bytes(
    repo: SQLModelRepository, tmp_path: Path
) -> None:
    sock = tmp_path / "ingest.sock"
    receiver = EventReceiver(RepositorySink(repo), flush_interval=0.01)
    await receiver.start_unix(sock)
    _, writer = await asyncio.open_unix_connection(str(sock))
    writer.write(b"\x00\x9f\x92\x96 garbage\n" + frame_lf(b"<13>1 2026-11-28T13:06:44Z d s - t -"))
    await writer.drain()
    writer.close()
    await wait_for(lambda: receiver.stats.quarantined == 2, what="two frames quarantined")
    await receiver.stop()
    rejected = await repo.list_rejected()
    reasons = sorted(r.rejected.reason for r in rejected)
    assert reasons == ["garbage: not a frame start", "no [decnet@32473] element"]
    raws = {r.rejected.raw for r in rejected}
    assert b"\x9f\x92\x96 garbage\n" in b"".join(raws)
    assert await repo.count_events() == 0
