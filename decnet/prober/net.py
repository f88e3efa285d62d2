"""Bounded TCP primitives of the probes: connect, read a banner, tell open from closed (RST).

Connections to a loopback (local backend) decky leave from
:data:`~decnet.fleet.internal.PROBER_SOURCE`, so DECNET can tell its own traffic from a
tester's on 127.0.0.1 (see docs/prober.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
from typing import Literal

from decnet.fleet.internal import probe_source

PortState = Literal["open", "closed", "filtered"]

#: Most bytes read from a decky in one probe (its answers are untrusted).
MAX_READ = 16 * 1024
#: Linux's IP_BIND_ADDRESS_NO_PORT (socket module constant since Python 3.12).
_IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


async def open_tcp(
    ip: str, port: int, timeout: float, tls: ssl.SSLContext | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection (TLS when ``tls`` is given); raises ``OSError``/``TimeoutError``."""
    if probe_source(ip) is None:
        return await asyncio.wait_for(asyncio.open_connection(ip, port, ssl=tls, limit=MAX_READ), timeout)
    return await asyncio.wait_for(_open_bound(ip, port, tls), timeout)


async def _open_bound(
    ip: str, port: int, tls: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    sock = client_socket(ip)
    try:
        await asyncio.get_running_loop().sock_connect(sock, (ip, port))
    except BaseException:
        sock.close()
        raise
    hostname = ip if tls is not None else None
    return await asyncio.open_connection(sock=sock, ssl=tls, server_hostname=hostname, limit=MAX_READ)


def client_socket(ip: str) -> socket.socket:
    """A non-blocking TCP socket to connect to ``ip``: bound to the prober's source if ``ip`` is loopback.

    The port is left to ``connect`` (``IP_BIND_ADDRESS_NO_PORT``), so the one source address
    does not run out of ephemeral ports across many deckies.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        source = probe_source(ip)
        if source is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_IP, _IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((source, 0))
    except BaseException:
        sock.close()
        raise
    return sock


async def close(writer: asyncio.StreamWriter) -> None:
    """Close a connection without waiting long or raising."""
    writer.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(writer.wait_closed(), 1.0)


async def read_some(reader: asyncio.StreamReader, timeout: float, limit: int = MAX_READ) -> bytes:
    """Whatever arrives within ``timeout`` (at most ``limit`` bytes; empty on silence or EOF)."""
    data = b""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(data) < limit:
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            chunk = await asyncio.wait_for(reader.read(limit - len(data)), left)
        except (TimeoutError, OSError, ssl.SSLError):
            break
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data or (data.endswith(b"\n") and not data.startswith(b"HTTP/")):
            break
    return data


async def read_line(reader: asyncio.StreamReader, timeout: float, limit: int = 1024) -> bytes:
    """One line (without CR LF), at most ``limit`` bytes; empty on silence or EOF."""
    try:
        line = await asyncio.wait_for(reader.readuntil(b"\n"), timeout)
    except asyncio.LimitOverrunError:
        return await reader.read(limit)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
        return b""
    return line[:limit].rstrip(b"\r\n")


async def port_state(ip: str, port: int, timeout: float) -> PortState:
    """``open`` (handshake completed), ``closed`` (answered with RST) or ``filtered`` (no answer)."""
    loop = asyncio.get_running_loop()
    sock = client_socket(ip)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (ip, port)), timeout)
    except ConnectionRefusedError:
        return "closed"
    except TimeoutError:
        return "filtered"
    except OSError as exc:
        return "closed" if exc.errno == errno.ECONNREFUSED else "filtered"
    finally:
        sock.close()
    return "open"
