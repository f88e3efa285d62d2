"""Listeners shared by the dns, llmnr, snmp, sip, mqtt and ics services.

- :class:`SourceLimiter`: a token bucket per source address (and one for all sources), so a
  flood of datagrams cannot make a decky emit (or answer) without bound; what it drops is
  counted and reported in one ``rate_limited`` event per source once it is allowed again.
- :class:`UdpListener`: an asyncio datagram endpoint feeding a handler through that limiter.
- :class:`TcpListeners`: stream servers with a connection cap that emit ``connect`` and
  ``disconnect`` around a per-connection handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

#: Most sources the limiter remembers (least recently seen are forgotten first).
MAX_SOURCES = 4096


class Emitter(Protocol):
    """What the listeners need of a service: its ``emit``."""

    def emit(
        self,
        event_type: str,
        *,
        src_ip: str | None = None,
        src_port: int | None = None,
        sid: str | None = None,
        fields: dict[str, str] | None = None,
        message: str = "",
    ) -> None: ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float
    dropped: int = 0


class SourceLimiter:
    """Token buckets per source and overall: ``rate`` per second, up to ``burst`` at once."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        total_rate: float | None = None,
        max_sources: int = MAX_SOURCES,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.total_rate = total_rate if total_rate is not None else rate * 50
        self.max_sources = max_sources
        self._sources: OrderedDict[str, _Bucket] = OrderedDict()
        self._total = _Bucket(self.total_rate, -1.0)
        self.forgotten_drops = 0  #: drops of sources evicted before they could be reported

    def allow(self, source: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, drops of ``source`` not yet reported); the count is reset when returned."""
        now = time.monotonic() if now is None else now
        bucket = self._sources.get(source)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
            self._sources[source] = bucket
            if len(self._sources) > self.max_sources:
                _, old = self._sources.popitem(last=False)
                self.forgotten_drops += old.dropped
        else:
            self._sources.move_to_end(source)
        bucket.tokens = min(self.burst, bucket.tokens + max(0.0, now - bucket.stamp) * self.rate)
        bucket.stamp = now
        total = self._total
        if total.stamp >= 0:
            total.tokens = min(self.total_rate, total.tokens + max(0.0, now - total.stamp) * self.total_rate)
        total.stamp = now
        if bucket.tokens < 1.0 or total.tokens < 1.0:
            bucket.dropped += 1
            return False, 0
        bucket.tokens -= 1.0
        total.tokens -= 1.0
        dropped, bucket.dropped = bucket.dropped, 0
        return True, dropped

    def pending(self) -> list[tuple[str, int]]:
        """Sources with unreported drops (and clear them), e.g. when the service stops."""
        out = [(src, b.dropped) for src, b in self._sources.items() if b.dropped]
        for bucket in self._sources.values():
            bucket.dropped = 0
        return out


def split_addr(addr: object) -> tuple[str | None, int | None]:
    """(ip, port) of a socket address tuple, or (None, None)."""
    if isinstance(addr, tuple) and len(addr) >= 2:
        return str(addr[0]), int(addr[1])
    return None, None


DatagramHandler = Callable[[bytes, str, int, asyncio.DatagramTransport, int], None]


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, listener: UdpListener) -> None:
        self.listener = listener

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.listener.received(data, addr)

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable and the like
        return


class UdpListener:
    """One UDP socket; each datagram that passes the limiter goes to ``handler``.

    ``handler(data, src_ip, src_port, transport, local_port)`` must not raise for bad input;
    an exception is logged by the service's logger as a bug and the datagram dropped.
    """

    def __init__(
        self,
        service: Emitter,
        handler: DatagramHandler,
        limiter: SourceLimiter,
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.service = service
        self.handler = handler
        self.limiter = limiter
        self.on_error = on_error
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    async def open(self, host: str, port: int, **kwargs: object) -> int:
        """Bind and return the bound port."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self),
            local_addr=(host, port),
            **kwargs,  # type: ignore[arg-type]
        )
        self.transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        return self.port

    async def open_socket(self, sock: socket.socket) -> int:
        """Serve an already bound socket (e.g. one joined to a multicast group); return its port."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), sock=sock)
        self.transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        return self.port

    def received(self, data: bytes, addr: object) -> None:
        src_ip, src_port = split_addr(addr)
        if src_ip is None or src_port is None or self.transport is None:
            return
        ok, dropped = self.limiter.allow(src_ip)
        if dropped:
            self.report_drops(src_ip, dropped)
        if not ok:
            return
        try:
            self.handler(data, src_ip, src_port, self.transport, self.port)
        except Exception as exc:  # a bug must not take the listener down
            self.on_error(exc)

    def report_drops(self, src_ip: str, dropped: int) -> None:
        self.service.emit(
            "rate_limited",
            src_ip=src_ip,
            fields={"dropped": str(dropped), "dst_port": str(self.port), "transport": "udp"},
        )

    def close(self) -> None:
        """Close the socket and report what was dropped and not yet reported."""
        for src_ip, dropped in self.limiter.pending():
            self.report_drops(src_ip, dropped)
        if self.transport is not None:
            self.transport.close()
            self.transport = None


@dataclass(slots=True)
class TcpConn:
    """One client connection of a stream service."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    src_ip: str | None
    src_port: int | None
    local_port: int
    sid: str = field(default_factory=lambda: secrets.token_hex(8))
    started: float = field(default_factory=time.monotonic)
    close_reason: str = "closed"  #: eof, timeout, error, done, reset, shutdown, limit
    actions: int = 0  #: attacker actions seen (requests, packets)
    extra: dict[str, str] = field(default_factory=dict)  #: fields added to the disconnect event

    def emit(self, service: Emitter, event_type: str, fields: dict[str, str]) -> None:
        """An event of this connection."""
        service.emit(event_type, src_ip=self.src_ip, src_port=self.src_port, sid=self.sid, fields=fields)

    async def send(self, data: bytes, timeout: float = 10.0) -> bool:
        """Write ``data``; False if the peer is gone or too slow."""
        try:
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), timeout)
        except (TimeoutError, ConnectionError, OSError):
            self.close_reason = "reset"
            return False
        return True


ConnHandler = Callable[[TcpConn], Awaitable[None]]


async def read_exact(conn: TcpConn, size: int, timeout: float) -> bytes | None:
    """``size`` bytes, or None (and ``close_reason`` set) on EOF or timeout."""
    try:
        return await asyncio.wait_for(conn.reader.readexactly(size), timeout)
    except asyncio.IncompleteReadError:
        conn.close_reason = "eof"
    except TimeoutError:
        conn.close_reason = "timeout"
    except (ConnectionError, OSError):
        conn.close_reason = "reset"
    return None


class TcpListeners:
    """Stream servers of one service: connection cap, ``connect``/``disconnect`` events."""

    def __init__(
        self,
        service: Emitter,
        handler: ConnHandler,
        *,
        max_connections: int,
        on_error: Callable[[BaseException], None],
        limit: int = 65536,
    ) -> None:
        self.service = service
        self.handler = handler
        self.max_connections = max_connections
        self.on_error = on_error
        self.limit = limit
        self.servers: list[asyncio.Server] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def open(self, host: str, port: int, handler: ConnHandler | None = None) -> int:
        """Listen on ``port`` (``handler`` instead of the default one); return the bound port."""
        chosen = handler or self.handler

        async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._client(chosen, reader, writer)

        server = await asyncio.start_server(client, host, port, limit=self.limit, reuse_address=True)
        self.servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def _client(
        self, handler: ConnHandler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if len(self.tasks) >= self.max_connections:
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        src_ip, src_port = split_addr(writer.get_extra_info("peername"))
        _, local_port = split_addr(writer.get_extra_info("sockname"))
        conn = TcpConn(reader, writer, src_ip, src_port, local_port or 0)
        conn.emit(self.service, "connect", {"dst_port": str(conn.local_port)})
        try:
            await handler(conn)
        except asyncio.CancelledError:
            conn.close_reason = "shutdown"
        except Exception as exc:  # a bug must not take the listener down
            conn.close_reason = "error"
            self.on_error(exc)
        finally:
            self.tasks.discard(task)
            fields = {
                "duration_ms": str(int((time.monotonic() - conn.started) * 1000)),
                "actions": str(conn.actions),
                "reason": conn.close_reason,
                "dst_port": str(conn.local_port),
            }
            fields.update(conn.extra)
            conn.emit(self.service, "disconnect", fields)
            if writer.transport.is_closing():
                writer.transport.abort()
            else:
                writer.close()

    async def close(self) -> None:
        """Stop listening and drop open connections."""
        for server in self.servers:
            server.close()
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        for server in self.servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        self.servers.clear()


async def open_udp_and_tcp(udp: UdpListener, tcp: TcpListeners, host: str, port: int, tries: int = 20) -> int:
    """Listen on UDP and TCP of one port; for port 0, an ephemeral port free for both."""
    for _ in range(tries if port == 0 else 1):
        bound = await udp.open(host, port)
        try:
            await tcp.open(host, bound)
        except OSError:
            if udp.transport is not None:
                udp.transport.close()
                udp.transport = None
            if port != 0:
                raise
            continue
        return bound
    raise OSError(f"no port free for both UDP and TCP on {host}")
