"""The prober's connections to loopback deckies leave from PROBER_SOURCE (127.255.255.254), so
the correlator can tell them from a tester's on 127.0.0.1; the other connections are unchanged."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from decnet.fleet.internal import PROBER_SOURCE
from decnet.prober.net import client_socket, close, open_tcp, port_state, read_some
from decnet.prober.snmp import query

DECKY = "127.84.0.10"


class _Peers(asyncio.DatagramProtocol):
    """Records who connected (TCP) or sent a datagram (UDP), and answers datagrams."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (a datagram transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.seen.append(str(addr[0]))
        assert self.transport is not None
        self.transport.sendto(b"pong", addr)


@pytest.fixture
async def tcp_server() -> AsyncIterator[tuple[int, list[str]]]:
    seen: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(writer.get_extra_info("peername")[0])
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, DECKY, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, seen
    finally:
        server.close()
        await server.wait_closed()


async def test_tcp_probes_of_a_loopback_decky_come_from_the_prober_source(
    tcp_server: tuple[int, list[str]],
) -> None:
    port, seen = tcp_server
    reader, writer = await open_tcp(DECKY, port, 2.0)
    assert writer.get_extra_info("sockname")[0] == PROBER_SOURCE
    assert (await read_some(reader, 2.0)).startswith(b"SSH-2.0-")
    await close(writer)
    assert await port_state(DECKY, port, 2.0) == "open"
    for _ in range(50):
        if len(seen) == 2:
            break
        await asyncio.sleep(0.02)
    assert seen == [PROBER_SOURCE, PROBER_SOURCE]


async def test_a_closed_port_sample_comes_from_the_prober_source() -> None:
    free = socket.socket()
    free.bind((DECKY, 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there any more: the kernel answers RST
    assert await port_state(DECKY, port, 2.0) == "closed"
    sock = client_socket(DECKY)
    try:
        assert sock.getsockname()[0] == PROBER_SOURCE
    finally:
        sock.close()


async def test_many_connections_share_the_source_without_exhausting_ports(
    tcp_server: tuple[int, list[str]],
) -> None:
    port, _ = tcp_server
    states = await asyncio.gather(*(port_state(DECKY, port, 2.0) for _ in range(200)))
    assert set(states) == {"open"}
    sock = client_socket(DECKY)
    try:
        assert sock.getsockname()[1] == 0  # the port is chosen at connect, per destination
    finally:
        sock.close()


async def test_udp_probes_of_a_loopback_decky_come_from_the_prober_source() -> None:
    loop = asyncio.get_running_loop()
    transport, peers = await loop.create_datagram_endpoint(_Peers, local_addr=(DECKY, 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        assert await query(DECKY, port, 2.0) == b"pong"
    finally:
        transport.close()
    assert peers.seen == [PROBER_SOURCE]


def test_other_targets_get_an_unbound_socket() -> None:
    sock = client_socket("10.77.0.10")
    try:
        assert sock.getsockname() == ("0.0.0.0", 0)
    finally:
        sock.close()
