"""Spool: bounded memory, spill to disk in order, recovery after a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from decnet.events.spool import Spool


def _items(n: int, start: int = 0) -> list[bytes]:
    return [b"item-%06d" % i for i in range(start, start + n)]


def test_memory_only_keeps_order_and_drops_the_newest_when_full() -> None:
    spool = Spool(memory_items=5)
    results = [spool.put(item) for item in _items(8)]
    assert results == [True] * 5 + [False] * 3
    assert spool.stats.dropped == 3
    assert spool.take(100) == _items(5)
    assert len(spool) == 0


def test_spills_the_oldest_to_disk_and_takes_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path, memory_items=10)
    for item in _items(1000):
        assert spool.put(item)
    assert spool.stats.spilled == 990
    assert spool.disk_items == 990
    assert len(spool) == 1000
    out: list[bytes] = []
    for i in range(40):
        out.extend(spool.take(37))
        spool.put(b"late-%02d" % i)  # interleaved puts stay behind everything older
    out.extend(spool.take(1000))
    assert out == _items(1000) + [b"late-%02d" % i for i in range(40)]


def test_memory_bytes_bound_also_spills(tmp_path: Path) -> None:
    spool = Spool(tmp_path, memory_items=1000, memory_bytes=1000)
    for _ in range(20):
        spool.put(b"x" * 100)
    assert spool.disk_items >= 10
    assert len(spool) == 20


def test_disk_limit_drops_the_newest(tmp_path: Path) -> None:
    spool = Spool(tmp_path, memory_items=2, disk_max_bytes=200)
    accepted = [spool.put(item) for item in _items(50)]
    assert accepted.count(False) == spool.stats.dropped > 0
    assert spool.disk_bytes <= 200
    kept = spool.take(1000)
    assert kept == [item for item, ok in zip(_items(50), accepted, strict=True) if ok]


def test_disk_items_survive_a_restart(tmp_path: Path) -> None:
    first = Spool(tmp_path, memory_items=3)
    for item in _items(20):
        first.put(item)
    assert first.spill_all() == 3
    first.close()
    second = Spool(tmp_path, memory_items=3)
    assert second.stats.recovered == 20
    assert second.take(100) == _items(20)
    assert list(tmp_path.glob("seg-*.spool")) == []


def test_a_torn_last_record_is_cut(tmp_path: Path) -> None:
    first = Spool(tmp_path, memory_items=1)
    for item in _items(5):
        first.put(item)
    first.spill_all()
    first.close()
    (segment,) = tmp_path.glob("seg-*.spool")
    with segment.open("ab") as fh:
        fh.write(b"\x00\x00\x01\x00partial")  # a record header promising 256 bytes
    second = Spool(tmp_path)
    assert second.take(100) == _items(5)


def test_segments_rotate_and_are_deleted_when_drained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("decnet.events.spool._SEGMENT_BYTES", 1000)
    spool = Spool(tmp_path, memory_items=1)
    for item in _items(500):
        spool.put(item)
    assert len(list(tmp_path.glob("seg-*.spool"))) > 3
    assert spool.take(1000) == _items(500)
    assert list(tmp_path.glob("seg-*.spool")) == []


def test_spool_files_are_private(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", memory_items=1)
    spool.put(b"a")
    spool.put(b"b")
    (segment,) = (tmp_path / "spool").glob("seg-*.spool")
    assert segment.stat().st_mode & 0o077 == 0
    assert (tmp_path / "spool").stat().st_mode & 0o077 == 0


def test_open_spool_follows_the_settings(tmp_path: Path) -> None:
    from decnet.config import Settings
    from decnet.events.spool import open_spool

    settings = Settings(data_dir=tmp_path, spool_memory_events=0)
    spool = open_spool(settings, "decky-01")
    spool.put(b"x")
    assert spool.directory == tmp_path / "spool" / "decky-01"
    assert spool.disk_items == 1
    memory_only = open_spool(Settings(data_dir=tmp_path, spool_disk_max_bytes=0), "decky-02")
    assert memory_only.directory is None
    with pytest.raises(ValueError):
        open_spool(settings, "../escape")
