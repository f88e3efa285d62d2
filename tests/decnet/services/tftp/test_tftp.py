"""The tftp service driven by a small RFC 1350 client over UDP: reads, options, uploads, errors, fuzzing."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import struct
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.tftp import TFTPService
from decnet.services.tftp import packets as pk
from tests.decnet.services.smtp.support import persona, running


class Client:
    """A blocking TFTP client (run in a thread)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(5)

    def request(
        self, opcode: int, name: str, mode: str = "octet", **options: str
    ) -> tuple[bytes, tuple[str, int]]:
        body = name.encode() + b"\0" + mode.encode() + b"\0"
        body += b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in options.items())
        self.sock.sendto(struct.pack("!H", opcode) + body, ("127.0.0.1", self.port))
        return self.sock.recvfrom(70000)

    def get(self, name: str, **options: str) -> tuple[bytes, bytes]:
        """(first reply, file data)."""
        reply, peer = self.request(pk.RRQ, name, **options)
        first = reply
        blksize = int(options.get("blksize", "512"))
        out = bytearray()
        if reply[:2] == b"\x00\x06":
            self.sock.sendto(pk.ack(0), peer)
            reply, peer = self.sock.recvfrom(70000)
        while reply[:2] == b"\x00\x03":
            block = int.from_bytes(reply[2:4], "big")
            out += reply[4:]
            self.sock.sendto(pk.ack(block), peer)
            if len(reply) - 4 < blksize:
                break
            reply, peer = self.sock.recvfrom(70000)
        return first, bytes(out)

    def put(self, name: str, payload: bytes) -> bytes:
        """Upload ``payload``; the last reply."""
        reply, peer = self.request(pk.WRQ, name)
        block = 1
        offset = 0
        while reply[:2] == b"\x00\x04":
            chunk = payload[offset : offset + 512]
            if offset > len(payload):
                break
            self.sock.sendto(pk.data(block, chunk), peer)
            reply, peer = self.sock.recvfrom(70000)
            offset += 512
            block += 1
            if len(chunk) < 512:
                break
        return reply


async def test_read_of_a_missing_file_is_logged() -> None:
    async with running(TFTPService, persona("debian")) as (_, port, events):
        reply, _ = await asyncio.to_thread(Client(port).request, pk.RRQ, "/etc/passwd", "netascii")
        event = (await events.wait("rrq"))[0]
    assert reply == b"\x00\x05\x00\x01File not found\x00"
    assert event.fields["filename"] == "/etc/passwd" and event.fields["mode"] == "netascii"
    assert event.fields["result"] == "not_found"


async def test_cisco_config_is_served_with_options() -> None:
    async with running(TFTPService, persona("cisco")) as (_, port, events):
        first, data = await asyncio.to_thread(Client(port).get, "startup-config", blksize="1024", tsize="0")
        event = (await events.wait("rrq"))[0]
    assert first.startswith(b"\x00\x06") and b"blksize\x001024\x00" in first
    assert b"tsize\x00%d\x00" % len(data) in first
    assert data.startswith(b"!\nversion 15.2\n") and b"hostname sw-core-01\n" in data
    assert event.fields["result"] == "sent" and event.fields["options"] == "blksize=1024,tsize=0"


async def test_upload_is_captured(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 6  # 1536 bytes: three full blocks and an empty last one
    async with running(TFTPService, persona("debian"), state_dir=tmp_path) as (_, port, events):
        last = await asyncio.to_thread(Client(port).put, "mirai.arm7", payload)
        event = (await events.wait("wrq"))[0]
    assert last == pk.ack(4)
    sha = hashlib.sha256(payload).hexdigest()
    assert event.fields["sha256"] == sha and event.fields["bytes"] == str(len(payload))
    assert event.fields["result"] == "received" and event.fields["filename"] == "mirai.arm7"
    assert (tmp_path / "tftp-uploads" / f"{sha}.bin").read_bytes() == payload


async def test_refused_write_and_garbage() -> None:
    async with running(TFTPService, persona("debian"), allow_write=False) as (_, port, events):
        client = Client(port)
        reply, _ = await asyncio.to_thread(client.request, pk.WRQ, "x")
        assert reply == b"\x00\x05\x00\x02Access violation\x00"
        for junk in (b"", b"\x00", b"\x00\x01abc", b"\x00\x09hello\x00octet\x00", b"\xff" * 60000):
            client.sock.sendto(junk, ("127.0.0.1", port))
            answer, _ = await asyncio.to_thread(client.sock.recvfrom, 70000)
            assert answer == b"\x00\x05\x00\x04Illegal TFTP operation\x00"
        await events.wait("malformed", 5)
    assert events.of("wrq")[0].fields["result"] == "denied"


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=600))
def test_request_parser_never_crashes(packet: bytes) -> None:
    try:
        request = pk.parse_request(packet)
    except pk.TFTPError:
        return
    assert request.opcode in (pk.RRQ, pk.WRQ) and len(request.options) <= pk.MAX_OPTIONS
    assert len(request.filename) <= pk.MAX_FIELD


async def test_transfer_flood_is_bounded() -> None:
    cfg = {"max_transfers": 3, "max_transfers_per_ip": 2, "timeout": 0.2, "retries": 0}
    async with running(TFTPService, persona("debian"), **cfg) as (_, port, events):
        clients = [Client(port) for _ in range(5)]
        replies = [(await asyncio.to_thread(c.request, pk.WRQ, f"f{i}"))[0] for i, c in enumerate(clients)]
        await events.wait("wrq", 5)
    assert replies[:2] == [pk.ack(0), pk.ack(0)]
    assert replies[2:] == [b"\x00\x05\x00\x03Server busy\x00"] * 3
    assert sorted(e.fields["result"] for e in events.of("wrq")) == ["busy"] * 3 + ["timeout"] * 2
