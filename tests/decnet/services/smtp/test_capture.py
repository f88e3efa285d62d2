"""Captures: hashed in full, bounded on disk and in memory, stored once by sha256, count-limited."""

from __future__ import annotations

import hashlib
from pathlib import Path

from decnet.services.smtp.capture import Capture


def test_capture_keeps_a_bounded_prefix_on_disk(tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    capture = Capture(tmp_path, 1000, head=100)
    for start in range(0, len(data), 777):
        capture.add(data[start : start + 777])
    assert capture.sha256 == hashlib.sha256(data).hexdigest() and capture.size == len(data)
    assert bytes(capture.head) == data[:100] and capture.truncated
    name = capture.keep(".bin", 10)
    assert (tmp_path / name).read_bytes() == data[:1000]
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_storage_is_count_limited_and_deduplicated(tmp_path: Path) -> None:
    names = []
    for payload in (b"a", b"b", b"a"):
        capture = Capture(tmp_path, 100)
        capture.add(payload)
        names.append(capture.keep(".bin", 1))
    assert names[0] and names[1] == "" and names[2] == names[0]
    assert len(list(tmp_path.iterdir())) == 1


def test_without_a_folder_nothing_is_written(tmp_path: Path) -> None:
    capture = Capture(None, 100)
    capture.add(b"x" * 500)
    assert capture.keep(".bin", 10) == "" and capture.size == 500
    discarded = Capture(tmp_path, 100)
    discarded.add(b"y")
    discarded.discard()
    assert list(tmp_path.iterdir()) == []
