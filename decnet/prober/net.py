"""Bounded TCP primitives of the probes: connect, read a banner, tell open from closed (RST)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
from typing import Literal

PortState = Literal["open", "closed", "filtered"]

#: Most bytes read from a decky in one probe (its answers are untrusted).
MAX_READ = 16 * 1024


async def open_tcp(
    ip: str, port: int, timeout: float, tls: ssl.SSLContext | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection (TLS when ``tls`` is given); raises ``OSError``/``TimeoutError``."""
    return await asyncio.wait_for(asyncio.open_connection(ip, port, ssl=tls, limit=MAX_READ), timeout)


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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
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
