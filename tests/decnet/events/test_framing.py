"""Framing: octet counting and LF, split anywhere, and recovery from bad input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.events import (
    Event,
    FrameDecoder,
    FrameError,
    format_event,
    frame_for_sending,
    frame_lf,
    frame_octet_counted,
)


def _event(i: int, **fields: str) -> bytes:
    return format_event(Event.new(f"decky-{i:02d}", "ssh", "auth", fields=fields, message=f"attempt {i}"))


def _decode(chunks: list[bytes], max_frame: int = 65536) -> list[bytes | FrameError]:
    decoder = FrameDecoder(max_frame)
    out: list[bytes | FrameError] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    out.extend(decoder.close())
    return out


messages = st.lists(
    st.builds(
        lambda i, value, lf: (_event(i, value=value), lf),
        st.integers(0, 99),
        st.text(max_size=40),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


def _stream(items: list[tuple[bytes, bool]]) -> tuple[bytes, list[bytes]]:
    blob = b""
    expected = []
    for message, use_lf in items:
        if use_lf and b"\n" not in message:
            blob += frame_lf(message)
        else:
            blob += frame_octet_counted(message)
        expected.append(message)
    return blob, expected


@given(messages)
@settings(max_examples=60, deadline=None)
def test_split_at_every_byte_boundary_reassembles_the_same_events(items: list[tuple[bytes, bool]]) -> None:
    blob, expected = _stream(items)
    for cut in range(len(blob) + 1):
        assert _decode([blob[:cut], blob[cut:]]) == expected


@given(messages, st.lists(st.integers(1, 50), min_size=1, max_size=30))
@settings(max_examples=100, deadline=None)
def test_arbitrary_chunking_reassembles_the_same_events(
    items: list[tuple[bytes, bool]], sizes: list[int]
) -> None:
    blob, expected = _stream(items)
    chunks, pos, i = [], 0, 0
    while pos < len(blob):
        size = sizes[i % len(sizes)]
        chunks.append(blob[pos : pos + size])
        pos += size
        i += 1
    assert _decode(chunks) == expected


def test_byte_at_a_time() -> None:
    blob, expected = _stream([(_event(1), False), (_event(2), True), (_event(3), False)])
    assert _decode([bytes([b]) for b in blob]) == expected


def test_crlf_and_nul_separators_are_tolerated() -> None:
    a, b = _event(1), _event(2)
    assert _decode([a + b"\r\n\x00" + frame_octet_counted(b) + b"\n"]) == [a, b]


def _errors(out: list[bytes | FrameError]) -> list[str]:
    return [item.reason for item in out if isinstance(item, FrameError)]


def _good(out: list[bytes | FrameError]) -> list[bytes]:
    return [item for item in out if isinstance(item, bytes)]


def test_oversize_octet_frame_is_skipped_by_its_length() -> None:
    good = _event(1)
    big = b"<13>1 " + b"x" * 5000
    out = _decode([frame_octet_counted(big) + frame_octet_counted(good)], max_frame=1024)
    assert _good(out) == [good]
    (error,) = [item for item in out if isinstance(item, FrameError)]
    assert error.reason.startswith("oversize frame: declared 5006 bytes")
    assert error.size == len(frame_octet_counted(big))
    assert len(error.raw) <= 4096


def test_oversize_line_is_skipped_to_the_next_lf() -> None:
    good = _event(2)
    chunks = [b"<13>1 " + b"y" * 3000, b"y" * 3000 + b"\n", frame_lf(good)]
    out = _decode(chunks, max_frame=1024)
    assert _good(out) == [good]
    assert _errors(out)[0].startswith("oversize line")


def test_binary_garbage_then_good_lines() -> None:
    good1, good2 = _event(1), _event(2)
    garbage = bytes(range(256)).replace(b"\n", b"") + b"\n"
    out = _decode([garbage + frame_lf(good1) + frame_octet_counted(good2)])
    assert _good(out) == [good1, good2]
    assert _errors(out) == ["garbage: not a frame start"]


def test_garbage_without_lf_resyncs_on_the_next_octet_frame() -> None:
    good = _event(3)
    out = _decode([b"\xff\xfe junk junk " + frame_octet_counted(good)])
    assert _good(out) == [good]
    assert _errors(out) == ["garbage: not a frame start"]


def test_bad_octet_count_is_reported() -> None:
    good = _event(4)
    out = _decode([b"12345678901 <13>1 x\n" + frame_lf(good)])
    assert _good(out) == [good]
    assert _errors(out)[0].startswith("bad octet count")


def test_wrong_length_is_contained() -> None:
    # DECNET senders end each octet-counted frame with LF, so a damaged stream resyncs there.
    # A count too small damages its own frame; a count too large also swallows the start of
    # the next one (frame boundaries never come from inside a counted frame: that content is
    # attacker-controlled). Everything after that is read normally.
    frames = [_event(i) for i in range(5)]
    stream = b"%d %s\n" % (len(frames[0]) - 10, frames[0])
    stream += frame_for_sending(frames[1])
    stream += b"%d %s\n" % (len(frames[2]) + 30, frames[2])
    stream += frame_for_sending(frames[3]) + frame_for_sending(frames[4])
    out = _decode([stream])
    good = _good(out)
    assert frames[1] in good and frames[4] in good
    assert frames[0] not in good and frames[3] not in good
    assert len(_errors(out)) >= 2


def test_truncated_octet_frame_at_end_of_stream() -> None:
    good = _event(5)
    cut = frame_octet_counted(_event(6))[:-20]
    out = _decode([frame_octet_counted(good) + cut])
    assert _good(out) == [good]
    (reason,) = _errors(out)
    assert reason.startswith("truncated frame: declared")


def test_truncated_lf_frame_at_end_of_stream() -> None:
    out = _decode([b"<13>1 2026-11-28T13:06:44Z d s - t -"])
    assert _errors(out) == ["truncated frame: stream ended before LF"]


def test_memory_stays_bounded_under_an_endless_line() -> None:
    decoder = FrameDecoder(1024)
    for _ in range(2000):
        decoder.feed(b"<" + b"z" * 4095)
        assert decoder.buffered <= 1024 + 4096 + 64
    good = _event(7)
    out = decoder.feed(b"\n" + frame_lf(good))
    assert _good(out) == [good]
    assert _errors(out)[0].startswith("oversize line")


def test_lf_framing_refuses_embedded_lf() -> None:
    try:
        frame_lf(b"a\nb")
    except ValueError:
        return
    raise AssertionError("frame_lf accepted an embedded LF")
