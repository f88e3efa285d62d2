"""Asyncio receiver: reads framed RFC 5424 events, parses them and hands batches to a sink.

Each connection's bytes go through a :class:`FrameDecoder`; every frame becomes either
an :class:`Event` or a :class:`Rejected` record (framing or parse error, with its reason
and bytes). Both go, in arrival order, into batches handed to the sink. Once the sink
has stored a batch, each connection gets ``ACK <n>\\n``: the number of its frames stored
so far, which lets an :class:`~decnet.events.sender.EventSender` forget them. A sink
that fails is retried with backoff; meanwhile connections stop being read (bounded
memory) and nothing is acknowledged, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import stat
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from decnet.events.framing import FrameDecoder, FrameError
from decnet.events.model import Event, Rejected
from decnet.events.rfc5424 import SyslogParseError, parse_event

log = logging.getLogger("decnet.events.receiver")

_READ_CHUNK = 65536
_ACK_BUFFER_LIMIT = 65536


class EventSink(Protocol):
    """Where batches go. ``store`` must be durable when it returns (and may be retried)."""

    async def store(self, events: list[Event], rejected: list[Rejected]) -> None: ...


@dataclass(slots=True)
class ReceiverStats:
    """Counters of a receiver since it started."""

    connections: int = 0
    open_connections: int = 0
    refused_connections: int = 0
    frames: int = 0
    accepted: int = 0
    quarantined: int = 0
    batches: int = 0
    sink_errors: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


class _Connection:
    __slots__ = ("frames", "peer", "stored", "writer")

    def __init__(self, writer: asyncio.StreamWriter, peer: str) -> None:
        self.writer = writer
        self.peer = peer
        self.frames = 0  # frames received on this connection
        self.stored = 0  # frames of this connection the sink has stored

    def ack(self) -> None:
        transport = self.writer.transport
        if transport.is_closing() or transport.get_write_buffer_size() > _ACK_BUFFER_LIMIT:
            return  # a peer that never reads acks gets no more of them
        self.writer.write(b"ACK %d\n" % self.stored)


def _prepare_socket_path(path: Path) -> Path:
    """Create the parent directory and remove a stale socket (refusing to remove anything else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise FileExistsError(f"{path} exists and is not a socket")
        path.unlink()
    return path


def _reason_key(reason: str) -> str:
    """Counter key for a reason: its text up to the first detail."""
    return reason.split(":", 1)[0]


class EventReceiver:
    """Accepts connections on unix and/or TCP(/TLS) listeners and feeds a sink in batches."""

    def __init__(
        self,
        sink: EventSink,
        *,
        max_frame: int = 65536,
        batch_size: int = 1000,
        flush_interval: float = 0.05,
        max_pending: int | None = None,
        max_connections: int = 1024,
        retry_max_delay: float = 5.0,
        on_stored: Callable[[int, int], Awaitable[None] | None] | None = None,
    ) -> None:
        self.sink = sink
        self.max_frame = max_frame
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_pending = max_pending or 4 * batch_size
        self.max_connections = max_connections
        self.retry_max_delay = retry_max_delay
        self.on_stored = on_stored
        self.stats = ReceiverStats()
        self._pending: list[tuple[_Connection, Event | Rejected]] = []
        self._flush_lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._servers: list[asyncio.Server] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self._stopping = False

    # -- listeners ------------------------------------------------------------------

    async def start_unix(self, path: Path | str, mode: int = 0o660) -> None:
        """Listen on a unix stream socket (a stale socket file is replaced, other files are not)."""
        sock_path = _prepare_socket_path(Path(path))
        server = await asyncio.start_unix_server(self._handle, path=str(sock_path), limit=_READ_CHUNK)
        os.chmod(sock_path, mode)
        self._servers.append(server)

    async def start_tcp(self, host: str, port: int, ssl_context: ssl.SSLContext | None = None) -> int:
        """Listen on TCP (TLS when ``ssl_context`` is given); return the bound port."""
        server = await asyncio.start_server(self._handle, host, port, ssl=ssl_context, limit=_READ_CHUNK)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening, close connections and store what was already received."""
        self._stopping = True
        for server in self._servers:
            server.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        if self._timer is not None:
            self._timer.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(retry=False), 10)

    async def abort(self) -> None:
        """Stop at once, like a crash: close everything and drop what is not stored yet.

        Nothing dropped was acknowledged, so senders send it again to the next receiver.
        """
        self._stopping = True
        for server in self._servers:
            server.close()
        if self._timer is not None:
            self._timer.cancel()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        self._pending.clear()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    # -- per connection -------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if isinstance(peername, tuple) else "unix"
        if self.stats.open_connections >= self.max_connections or self._stopping:
            self.stats.refused_connections += 1
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.stats.connections += 1
        self.stats.open_connections += 1
        conn = _Connection(writer, peer)
        decoder = FrameDecoder(self.max_frame)
        try:
            while True:
                try:
                    data = await reader.read(_READ_CHUNK)
                except (ConnectionError, ssl.SSLError, OSError) as exc:
                    log.info("connection from %s failed: %s", peer, exc)
                    break
                if not data:
                    break
                await self._accept(conn, decoder.feed(data))
            await self._accept(conn, list(decoder.close()))
            await self.flush()
        except asyncio.CancelledError:
            pass
        finally:
            self.stats.open_connections -= 1
            self._handlers.discard(task)
            writer.close()

    async def _accept(self, conn: _Connection, frames: list[bytes | FrameError]) -> None:
        if not frames:
            return
        items = self._pending
        for frame in frames:
            conn.frames += 1
            self.stats.frames += 1
            if isinstance(frame, FrameError):
                items.append((conn, self._reject(frame.reason, frame.raw, conn.peer, frame.size)))
                continue
            try:
                items.append((conn, parse_event(frame)))
                self.stats.accepted += 1
            except SyslogParseError as exc:
                items.append((conn, self._reject(exc.reason, frame, conn.peer)))
            except Exception as exc:  # defensive: a parser bug must not kill the connection
                log.exception("parser failed on a frame from %s", conn.peer)
                items.append((conn, self._reject(f"parser error: {type(exc).__name__}", frame, conn.peer)))
        if len(items) >= self.batch_size:
            await self.flush()
        elif self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._flush_later())
        while len(self._pending) >= self.max_pending:
            await self.flush()  # backpressure: this connection is not read meanwhile

    def _reject(self, reason: str, raw: bytes, peer: str, size: int | None = None) -> Rejected:
        self.stats.quarantined += 1
        self.stats.reasons[_reason_key(reason)] += 1
        return Rejected.of(reason, raw, peer=peer, size=size)

    # -- batches --------------------------------------------------------------------

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_interval)
        await self.flush()

    async def flush(self, retry: bool = True) -> None:
        """Store everything pending, in batches, retrying a failing sink with backoff."""
        async with self._flush_lock:
            while self._pending:
                batch = self._pending[: self.batch_size]
                events = [item for _, item in batch if isinstance(item, Event)]
                rejected = [item for _, item in batch if isinstance(item, Rejected)]
                await self._store(events, rejected, retry)
                del self._pending[: len(batch)]
                self.stats.batches += 1
                touched: dict[int, _Connection] = {}
                for conn, _ in batch:
                    conn.stored += 1
                    touched[id(conn)] = conn
                for conn in touched.values():
                    conn.ack()
                if self.on_stored is not None:
                    result = self.on_stored(len(events), len(rejected))
                    if result is not None:
                        await result

    async def _store(self, events: list[Event], rejected: list[Rejected], retry: bool) -> None:
        delay = 0.05
        while True:
            try:
                await self.sink.store(events, rejected)
                return
            except Exception as exc:
                self.stats.sink_errors += 1
                if not retry:
                    raise
                if self.stats.sink_errors in (1, 10) or self.stats.sink_errors % 100 == 0:
                    log.error("storing a batch of %d events failed (%s); retrying", len(events), exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_delay)
