"""Flow table: reassembly in order, out of order and retransmitted; bounds; protocol identification."""

from __future__ import annotations

from decnet.sniffer.flows import FlowTable, identify
from tests.decnet.sniffer.test_ssh import REAL

KEY = ("10.0.0.2", 40000, "10.0.0.1", 22)


def test_in_order_segments_reveal_hassh() -> None:
    table = FlowTable(16, 8192, 4)
    assert table.open(KEY, 999) and not table.open(KEY, 999)
    seq = 1000
    found = None
    for start in range(0, len(REAL), 100):
        chunk = REAL[start : start + 100]
        found = table.data(KEY, seq, chunk)
        seq += len(chunk)
        if found is not None:
            break
    assert found is not None
    assert dict(found)["hassh"] == "472b5de333ad665af5cbf10ff892c4df"
    assert table.data(KEY, seq, b"more") is None  # done: later data is ignored


def test_out_of_order_and_retransmitted_segments() -> None:
    table = FlowTable(16, 8192, 4)
    table.open(KEY, 0)
    half = len(REAL) // 2
    assert table.data(KEY, 1 + half, REAL[half:]) is None  # held
    assert table.data(KEY, 1, REAL[:10]) is None
    found = table.data(KEY, 1, REAL[:half])  # retransmission overlapping what was had
    assert found is not None and dict(found)["ssh_banner"].startswith("SSH-2.0-OpenSSH_9.2")


def test_unknown_protocols_and_stream_bound() -> None:
    table = FlowTable(16, 64, 4)
    table.open(KEY, 0)
    assert table.data(KEY, 1, b"\x00binary") == []
    other = ("10.0.0.3", 1, "10.0.0.1", 80)
    table.open(other, 0)
    assert table.data(other, 1, b"GET /" + b"a" * 40) is None
    assert table.data(other, 46, b"b" * 100) == []  # past the bound without an answer: given up
    assert identify(b"") is None


def test_lru_eviction_and_unknown_flows() -> None:
    table = FlowTable(2, 1024, 4)
    keys = [("10.0.0.2", port, "10.0.0.1", 80) for port in (1, 2, 3)]
    for key in keys:
        table.open(key, 0)
    assert len(table) == 2 and table.evicted == 1
    assert table.data(keys[0], 1, b"GET / HTTP/1.1\r\n\r\n") is None  # evicted: not tracked
    assert table.data(keys[2], 1, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == [("http_headers", "GET host")]
    assert len(table) == 1  # identified: it left the table
    table.close(keys[1])
    assert len(table) == 0


def test_a_reused_port_starts_a_new_flow() -> None:
    table = FlowTable(16, 1024, 4)
    assert table.open(KEY, 100)
    assert not table.open(KEY, 100)  # a retransmitted SYN
    assert table.open(KEY, 5000)  # same 4-tuple, new connection: replaces the old flow
    assert table.data(KEY, 101, b"GET / HTTP/1.1\r\n\r\n") is None  # the old connection's data
    assert table.data(KEY, 5001, b"PUT / HTTP/1.1\r\nA: b\r\n\r\n") == [("http_headers", "PUT a")]
    assert len(table) == 0
