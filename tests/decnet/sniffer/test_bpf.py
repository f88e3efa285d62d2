"""The classic-BPF assembler, the sniffer's filter (interpreted), and the filter in the kernel."""

from __future__ import annotations

import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import ARP, Ether

from decnet.sniffer import bpf
from decnet.sniffer.capture import open_capture
from decnet.sniffer.packet import parse_frame
from tests.decnet.sniffer import frames
from tests.decnet.sniffer.bpfvm import run


def test_assembler_resolves_labels_to_forward_offsets() -> None:
    program = bpf.assemble(
        [
            bpf.Insn(bpf.LD | bpf.H | bpf.ABS, 12),
            bpf.Insn(bpf.JMP | bpf.JEQ | bpf.K, 0x800, "yes", "no"),
            "yes",
            bpf.Insn(bpf.RET | bpf.K, 100),
            "no",
            bpf.Insn(bpf.RET | bpf.K, 0),
        ]
    )
    assert program == [(0x28, 0, 0, 12), (0x15, 0, 1, 0x800), (0x06, 0, 0, 100), (0x06, 0, 0, 0)]
    assert len(bpf.pack(program)) == 8 * 4


@pytest.mark.parametrize(
    "items",
    [
        [bpf.Insn(bpf.JMP | bpf.JEQ | bpf.K, 1, "missing", "missing"), bpf.Insn(bpf.RET | bpf.K, 0)],
        ["back", bpf.Insn(bpf.RET | bpf.K, 0), bpf.Insn(bpf.JMP | bpf.JEQ | bpf.K, 1, "back", "back")],
        [bpf.Insn(bpf.LD | bpf.H | bpf.ABS, 12)],
        ["x", "x", bpf.Insn(bpf.RET | bpf.K, 0)],
        [],
    ],
)
def test_assembler_refuses_bad_programs(items: list[bpf.Item]) -> None:
    with pytest.raises(ValueError):
        bpf.assemble(items)


def test_tcp_filter_keeps_tcp_and_cuts_to_snaplen() -> None:
    program = bpf.tcp_filter(1500)
    assert run(program, frames.syn()) == 1500
    assert run(program, frames.syn6()) == 1500
    assert run(program, frames.segment(b"x" * 100, seq=1)) == 1500
    assert run(program, frames.udp()) == 0
    assert run(program, bytes(Ether() / ARP())) == 0
    assert run(program, frames.vlan_syn()) == 0  # documented: tagged frames are not captured
    later_fragment = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", frag=8, proto=6) / (b"x" * 40))
    assert run(program, later_fragment) == 0
    first_fragment = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF") / TCP(dport=1))
    assert run(program, first_fragment) == 1500
    assert run(program, b"\x00" * 5) == 0


def test_the_kernel_runs_the_filter_on_a_packet_socket() -> None:
    sock = open_capture("lo", 96, 1 << 20, promisc=False)
    sock.settimeout(0.2)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        udp.sendto(b"not captured", ("127.0.0.1", 9))
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"x" * 500)
        client.close()
        seen = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                seen.append(sock.recv(65535))
            except TimeoutError:
                break
        parsed = [parse_frame(f) for f in seen]
        assert parsed and all(p is not None and p.proto == 6 for p in parsed)
        assert any(p is not None and p.dport == port for p in parsed)
        assert max(len(f) for f in seen) <= 96  # cut by the filter's return value
    finally:
        udp.close()
        server.close()
        sock.close()


def _expected(frame: bytes) -> bool:
    """What the filter should keep, decided independently of it."""
    if len(frame) < 14:
        return False
    ethertype = int.from_bytes(frame[12:14], "big")
    if ethertype == 0x0800:
        return len(frame) >= 24 and frame[23] == 6 and not int.from_bytes(frame[20:22], "big") & 0x1FFF
    if ethertype == 0x86DD:
        return len(frame) >= 21 and frame[20] == 6
    return False


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([frames.syn(), frames.syn6(), frames.udp(), frames.vlan_syn()]), st.data())
def test_filter_agrees_with_its_definition(base: bytes, data: st.DataObject) -> None:
    frame = bytearray(base)
    for _ in range(data.draw(st.integers(0, 4))):
        frame[data.draw(st.integers(0, min(40, len(frame) - 1)))] = data.draw(st.integers(0, 255))
    frame = frame[: data.draw(st.integers(0, len(frame)))]
    assert (run(bpf.tcp_filter(256), bytes(frame)) == 256) == _expected(bytes(frame))
