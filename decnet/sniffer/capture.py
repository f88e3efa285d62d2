"""A raw ``AF_PACKET`` socket on one interface with the sniffer's kernel BPF filter.

Opening one needs ``CAP_NET_RAW`` (and ``CAP_NET_ADMIN`` only for promiscuous mode on a
bridge); nothing else in DECNET needs either. The filter is attached before the socket is
bound, so no unfiltered frame is ever queued.
"""

from __future__ import annotations

import socket
import struct

from decnet.sniffer import bpf

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_STATISTICS = 6
PACKET_MR_PROMISC = 1
SO_RCVBUFFORCE = 33


def open_capture(iface: str, snaplen: int, rcvbuf: int, *, promisc: bool = True) -> socket.socket:
    """A filtered packet socket bound to ``iface`` (raises OSError: no such interface, no privilege)."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # protocol 0: receives nothing yet
    try:
        bpf.attach(sock, bpf.tcp_filter(snaplen))
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.bind((iface, ETH_P_ALL))
        if promisc:
            index = socket.if_nametoindex(iface)
            mreq = struct.pack("iHH8s", index, PACKET_MR_PROMISC, 0, b"")
            sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
        kernel_stats(sock)  # reset the counters
    except BaseException:
        sock.close()
        raise
    return sock


def kernel_stats(sock: socket.socket) -> tuple[int, int]:
    """(frames passed the filter, frames dropped for lack of buffer) since the last call."""
    packets, drops = struct.unpack("II", sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    return packets, drops
