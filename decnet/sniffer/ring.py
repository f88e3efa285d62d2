"""A ``TPACKET_V3`` receive ring on a packet socket: frames read from shared memory, no syscall each.

The kernel fills fixed-size blocks with the frames that pass the socket's BPF filter and
hands a block over when it is full or ``retire_ms`` after its first frame. The reader walks
a block's frames, then gives it back; it waits with ``poll`` only when no block is ready.
Layouts are ``struct tpacket_block_desc`` / ``tpacket_hdr_v1`` and ``struct tpacket3_hdr``
(linux/if_packet.h).
"""

from __future__ import annotations

import mmap
import select
import socket
import struct
from collections.abc import Callable

SOL_PACKET = 263
PACKET_RX_RING = 5
PACKET_VERSION = 10
TPACKET_V3 = 2
TP_STATUS_USER = 1
_BLOCK_STATUS = 8  # offset of block_status in the block descriptor
_ZERO = b"\x00\x00\x00\x00"
_PACKET = struct.Struct("<IIIIIIH")  # next_offset, sec, nsec, snaplen, len, status, mac


class Ring:
    """The receive ring of ``sock`` (set up after the filter is attached and the socket bound)."""

    def __init__(
        self,
        sock: socket.socket,
        *,
        block_size: int = 1 << 20,
        blocks: int = 16,
        frame_size: int = 2048,
        retire_ms: int = 20,
    ) -> None:
        if block_size % mmap.PAGESIZE or block_size % frame_size:
            raise ValueError("block_size must be a multiple of the page size and of frame_size")
        self.block_size = block_size
        self.blocks = blocks
        sock.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3)
        request = struct.pack(
            "7I", block_size, blocks, frame_size, block_size * blocks // frame_size, retire_ms, 0, 0
        )
        sock.setsockopt(SOL_PACKET, PACKET_RX_RING, request)
        self.map = mmap.mmap(
            sock.fileno(), block_size * blocks, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE
        )
        self.poller = select.poll()
        self.poller.register(sock.fileno(), select.POLLIN | select.POLLERR)
        self.current = 0

    def ready(self) -> bool:
        """True if the next block belongs to the reader."""
        base = self.current * self.block_size + _BLOCK_STATUS
        return bool(self.map[base] & TP_STATUS_USER)

    def wait(self, timeout_ms: int) -> None:
        """Sleep until a block may be ready (or ``timeout_ms`` passes)."""
        if not self.ready():
            self.poller.poll(timeout_ms)

    def read_block(self, handle: Callable[[bytes, float], None]) -> int:
        """Pass each frame of the next ready block, with its capture time, to ``handle``; 0 if none."""
        if not self.ready():
            return 0
        mem = self.map
        base = self.current * self.block_size
        count, first = struct.unpack_from("<II", mem, base + 12)
        offset = base + first
        end = base + self.block_size
        unpack = _PACKET.unpack_from
        for _ in range(count):
            if offset + _PACKET.size > end:
                break
            step, sec, nsec, snaplen, _length, _status, mac = unpack(mem, offset)
            start = offset + mac
            handle(mem[start : min(start + snaplen, end)], sec + nsec / 1e9)
            if not step:
                break
            offset += step
        mem[base + _BLOCK_STATUS : base + _BLOCK_STATUS + 4] = _ZERO  # back to the kernel
        self.current = (self.current + 1) % self.blocks
        return int(count)

    def close(self) -> None:
        """Unmap the ring (the socket is closed by its owner)."""
        self.map.close()
