"""Sender and receiver over real sockets: delivery, acks, TLS, bad input, outages."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from decnet.events import Event, format_event, frame_for_sending, frame_lf, frame_octet_counted
from decnet.events.receiver import EventReceiver
from decnet.events.sender import EventSender, Target
from decnet.events.spool import Spool

from .helpers import MemorySink, make_tls, wait_for


def _events(n: int, decky: str = "decky-01") -> list[Event]:
    return [
        Event.new(decky, "ssh", "auth", src_ip="10.9.0.7", src_port=40000 + i % 1000, fields={"n": str(i)})
        for i in range(n)
    ]


@pytest.fixture
def sock(tmp_path: Path) -> Path:
    return tmp_path / "run" / "ingest.sock"


async def test_unix_socket_delivery_in_order_with_acks(sock: Path) -> None:
    sink = MemorySink()
    receiver = EventReceiver(sink, batch_size=100, flush_interval=0.01)
    await receiver.start_unix(sock)
    sender = EventSender(f"unix:{sock}")
    await sender.start()
    events = _events(1000)
    for event in events:
        assert sender.send(event)
    assert await sender.flush(timeout=20)
    assert sink.order == [e.eid for e in events]
    assert list(sink.events.values()) == events
    assert sender.pending == 0 and sender.stats.acked == 1000
    assert oct(sock.stat().st_mode & 0o777) == "0o660"
    await sender.stop()
    await receiver.stop()


async def test_tls_tcp_delivery(tmp_path: Path) -> None:
    server_ctx, client_ctx = make_tls(tmp_path)
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    port = await receiver.start_tcp("127.0.0.1", 0, server_ctx)
    sender = EventSender(f"tls://127.0.0.1:{port}", ssl_context=client_ctx)
    await sender.start()
    events = _events(200)
    for event in events:
        sender.send(event)
    assert await sender.flush(timeout=20)
    assert sink.order == [e.eid for e in events]
    await sender.stop()
    await receiver.stop()


async def test_plaintext_to_a_tls_listener_is_refused_not_stored(tmp_path: Path) -> None:
    server_ctx, _ = make_tls(tmp_path)
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    port = await receiver.start_tcp("127.0.0.1", 0, server_ctx)
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(frame_for_sending(format_event(_events(1)[0])))
    await writer.drain()
    writer.close()
    await asyncio.sleep(0.2)
    assert sink.events == {}
    await receiver.stop()


def test_target_parsing() -> None:
    assert Target.parse("unix:/run/decnet/ingest.sock").path == "/run/decnet/ingest.sock"
    tls = Target.parse("tls://collector.lan:6514")
    assert (tls.host, tls.port, tls.tls) == ("collector.lan", 6514, True)
    for bad in ("unix:", "udp://h:1", "tcp://host", "/path"):
        with pytest.raises(ValueError, match="expected"):
            Target.parse(bad)
    with pytest.raises(ValueError, match="ssl_context"):
        EventSender("tls://127.0.0.1:6514")


async def test_malformed_corpus_is_quarantined_and_good_lines_all_stored(sock: Path) -> None:
    good = _events(6)
    g = [format_event(e) for e in good]
    head = b"<134>1 2026-11-28T13:06:44Z d ssh - auth "
    corpus: list[tuple[bytes, str | None]] = [
        (frame_octet_counted(g[0]), None),
        (b"<134>1 " + b"A" * 9000 + b"\n", "oversize line"),
        (frame_lf(g[1]), None),
        (b"%d %s" % (20000, b"<" + b"B" * 19999), "oversize frame"),
        (frame_octet_counted(head + b'[decnet@32473 eid="u1"] \xc3\x28 bad utf8'), "invalid UTF-8"),
        (frame_octet_counted(g[2]), None),
        (frame_lf(head + b'[decnet@32473 eid="x" k="v]'), "bad SD element"),
        (frame_lf(head + b"[decnet@32473 eid=noquotes]"), "bad SD element"),
        (bytes(range(1, 10)) + b"\xff\xfe\xfd\n", "garbage"),
        (frame_lf(g[3]), None),
        (frame_lf(b"<999>1 2026-11-28T13:06:44Z d s - t -"), "PRI out of range"),
        (frame_lf(b"<13>1 2026-02-30T13:06:44Z d s - t -"), "bad timestamp"),
        (frame_lf(head + b"-"), "no [decnet@32473] element"),
        (b"99999999999 <13>1 x\n", "bad octet count"),
        (frame_octet_counted(g[4]), None),
        (b"%d %s" % (len(g[5]) + 50, g[5][:40]), "truncated frame"),  # last: the stream ends short
    ]
    expected_good = [good[i].eid for i in range(5)]
    expected_reasons = [reason for _, reason in corpus if reason]
    sink = MemorySink()
    receiver = EventReceiver(sink, max_frame=8192, flush_interval=0.01)
    await receiver.start_unix(sock)
    _, writer = await asyncio.open_unix_connection(str(sock))
    for raw, _ in corpus:
        writer.write(raw)
        await writer.drain()
    writer.write_eof()
    await wait_for(lambda: len(sink.rejected) == len(expected_reasons), what="all bad input quarantined")
    await wait_for(lambda: len(sink.order) == len(expected_good), what="all good lines stored")
    assert sink.order == expected_good
    got = [r.reason for r in sink.rejected]
    for reason_text, expected in zip(got, expected_reasons, strict=True):
        assert expected in reason_text, (reason_text, expected)
    assert all(r.peer == "unix" and r.raw and r.size >= len(r.raw) for r in sink.rejected)
    assert all(len(r.raw) <= 4096 for r in sink.rejected)
    assert receiver.stats.quarantined == len(expected_reasons)
    assert receiver.stats.accepted == len(expected_good)
    writer.close()
    await receiver.stop()


async def test_random_garbage_never_kills_the_receiver(sock: Path) -> None:
    import random

    rng = random.Random(1234)
    sink = MemorySink()
    receiver = EventReceiver(sink, max_frame=4096, flush_interval=0.01)
    await receiver.start_unix(sock)
    for _ in range(20):
        _, writer = await asyncio.open_unix_connection(str(sock))
        writer.write(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20000))))
        await writer.drain()
        writer.close()
    sender = EventSender(f"unix:{sock}")
    await sender.start()
    events = _events(50)
    for event in events:
        sender.send(event)
    assert await sender.flush(timeout=20)
    assert [eid for eid in sink.order] == [e.eid for e in events]
    await sender.stop()
    await receiver.stop()


async def test_a_failing_sink_is_retried_and_nothing_is_lost(sock: Path) -> None:
    sink = MemorySink()
    sink.fail_next = 3
    receiver = EventReceiver(sink, batch_size=50, flush_interval=0.01, retry_max_delay=0.1)
    await receiver.start_unix(sock)
    sender = EventSender(f"unix:{sock}")
    await sender.start()
    events = _events(300)
    for event in events:
        sender.send(event)
    assert await sender.flush(timeout=20)
    assert sink.order == [e.eid for e in events]
    assert receiver.stats.sink_errors == 3
    await sender.stop()
    await receiver.stop()


async def test_events_wait_in_the_disk_spool_while_the_collector_is_down(sock: Path, tmp_path: Path) -> None:
    sender = EventSender(f"unix:{sock}", Spool(tmp_path / "spool", memory_items=10), reconnect_max_delay=0.1)
    await sender.start()
    events = _events(500)
    for event in events:
        assert sender.send(event)
    await asyncio.sleep(0.3)
    assert sender.spool.disk_items >= 400
    assert sender.stats.connect_failures >= 1
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    await receiver.start_unix(sock)
    assert await sender.flush(timeout=20)
    assert sink.order == [e.eid for e in events]
    await sender.stop()
    await receiver.stop()


async def test_unsent_events_survive_a_sender_restart(sock: Path, tmp_path: Path) -> None:
    spool_dir = tmp_path / "spool"
    first = EventSender(f"unix:{sock}", Spool(spool_dir, memory_items=1000), reconnect_max_delay=0.1)
    await first.start()
    events = _events(100)
    for event in events:
        first.send(event)
    await first.stop(flush_timeout=0.2)  # nobody listens: everything is left in the spool
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    await receiver.start_unix(sock)
    second = EventSender(f"unix:{sock}", Spool(spool_dir, memory_items=1000))
    assert len(second.spool) == 100
    await second.start()
    assert await second.flush(timeout=20)
    assert sink.order == [e.eid for e in events]
    await second.stop()
    await receiver.stop()


async def test_receiver_crash_mid_stream_loses_nothing(sock: Path) -> None:
    sink = MemorySink()  # survives the receiver, like the database
    receiver = EventReceiver(sink, batch_size=200, flush_interval=0.02)
    await receiver.start_unix(sock)
    sender = EventSender(f"unix:{sock}", Spool(memory_items=50_000), reconnect_max_delay=0.05)
    await sender.start()
    events = _events(5000)
    for event in events[:2500]:
        sender.send(event)
    await wait_for(lambda: len(sink.order) >= 500, what="first events stored")
    await receiver.abort()  # crash: whatever was read but not stored is dropped
    for event in events[2500:]:
        sender.send(event)
    await asyncio.sleep(0.2)
    receiver = EventReceiver(sink, batch_size=200, flush_interval=0.02)
    await receiver.start_unix(sock)
    assert await sender.flush(timeout=30)
    assert sorted(sink.order) == sorted(e.eid for e in events)
    assert len(sink.order) == len(events) == len(set(sink.order))
    assert sender.stats.connects >= 2
    await sender.stop()
    await receiver.stop()


async def test_connections_beyond_the_limit_are_refused(sock: Path) -> None:
    receiver = EventReceiver(MemorySink(), max_connections=2)
    await receiver.start_unix(sock)
    conns = [await asyncio.open_unix_connection(str(sock)) for _ in range(3)]
    await wait_for(lambda: receiver.stats.refused_connections == 1, what="third connection refused")
    for _, writer in conns:
        writer.close()
    await receiver.stop()


async def test_a_regular_file_at_the_socket_path_is_not_removed(tmp_path: Path) -> None:
    path = tmp_path / "precious"
    path.write_text("keep me")
    with pytest.raises(FileExistsError):
        await EventReceiver(MemorySink()).start_unix(path)
    assert path.read_text() == "keep me"
