"""Hypothesis: any bytes through every parser and the analyser: no exception, bounded output."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.sniffer import http, ssh, tls
from decnet.sniffer.analyzer import Analyzer
from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.flows import identify
from decnet.sniffer.packet import parse_frame, parse_tcp_options
from decnet.sniffer.tcpfp import syn_fingerprint
from tests.decnet.sniffer import frames

SMALL = SnifferConfig(max_flows=8, max_sources=8, max_pending=32, max_targets=8, stream_bytes=512)


def _mutations() -> st.SearchStrategy[bytes]:
    """Real frames with random bytes overwritten or cut."""
    base = st.sampled_from(
        [frames.syn(), frames.syn6(), frames.segment(b"GET / HTTP/1.1\r\n", 1), frames.udp()]
    )

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        frame = bytearray(draw(base))
        for _ in range(draw(st.integers(0, 6))):
            frame[draw(st.integers(0, len(frame) - 1))] = draw(st.integers(0, 255))
        return bytes(frame[: draw(st.integers(0, len(frame)))])

    return mutate()


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=256), _mutations()))
def test_frames_never_raise(frame: bytes) -> None:
    pkt = parse_frame(frame)
    if pkt is not None and pkt.proto == 6:
        fp = syn_fingerprint(pkt)
        assert len(fp.signature) < 400
    assert len(parse_tcp_options(frame[:40]).layout) <= 40


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_application_parsers_never_raise(stream: bytes) -> None:
    for parse in (tls.handshake_message, ssh.parse_client, http.header_order):
        with contextlib.suppress(tls.NeedMore, ssh.NeedMore, http.NeedMore):
            parse(stream)
    hello = tls.parse_client_hello(stream)
    if hello is not None:
        assert len(hello.ciphers) <= tls.MAX_ITEMS and len(hello.extensions) <= tls.MAX_ITEMS
        tls.ja3(hello), tls.ja4(hello)
    found = identify(stream)
    assert found is None or all(len(v) <= 16384 for _, v in found)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=128), _mutations()), max_size=40))
def test_analyser_state_stays_bounded(batch: list[bytes]) -> None:
    analyzer = Analyzer(SMALL)
    for i, frame in enumerate(batch):
        analyzer.feed(frame, 1.0 + i)
    assert len(analyzer.flows) <= SMALL.max_flows and len(analyzer.scans.sources) <= SMALL.max_sources
    rows, events = analyzer.drain(1000.0)
    assert len(rows) <= SMALL.max_pending
    for event in events:
        event.validate()
