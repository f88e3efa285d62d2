"""One asyncio TCP listener per port, one :class:`Session` per client, connect/disconnect events.

Subclasses implement :meth:`StreamService.session`; the base bounds the number of connections,
the idle time of each read and the whole session, and never lets a parser bug reach the
listener. Reads go through :class:`~decnet.services.http.parser.BoundedReader` (deadlines,
exact sizes), which raises :class:`~decnet.services.http.parser.Closed` on EOF, reset or timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import ssl
import time
from abc import abstractmethod
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import Field

from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.http.parser import BoundedReader, Closed
from decnet.services.text import clip

_STREAM_LIMIT = 65536
#: Unsent bytes above which a send waits (bounded by ``send_timeout``) for the client to read.
_DRAIN_ABOVE = 65536


_PROTOCOL_VERSION_ALERT = b"\x15\x03\x01\x00\x02\x02\x46"


def _dup(sock: Any) -> int:
    """A duplicate of the connection's descriptor (-1 if there is none)."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        fd = sock.fileno() if sock is not None else -1
        return os.dup(fd) if fd >= 0 else -1
    return -1


class StreamConfig(ServiceConfig):
    """Connection bounds every stream service takes."""

    idle_timeout: float = Field(120.0, gt=0, le=3600, description="Seconds a client may stay silent.")
    session_timeout: float = Field(900.0, gt=0, le=86400, description="Longest connection, seconds.")
    max_connections: int = Field(256, ge=1, le=65536, description="Concurrent connections; more are closed.")
    send_timeout: float = Field(20.0, gt=0, le=600, description="Seconds to write one answer.")


@dataclass(slots=True)
class Session:
    """One client connection: its stream, identity and counters."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    local_port: int
    src_ip: str | None
    src_port: int | None
    idle_timeout: float
    send_timeout: float
    sid: str = field(default_factory=lambda: secrets.token_hex(8))
    started: float = field(default_factory=time.monotonic)
    actions: int = 0  #: attacker actions seen (commands, queries, requests)
    bytes_out: int = 0
    close_reason: str = "closed"
    extra: dict[str, str] = field(default_factory=dict)  #: fields every event of it carries
    stream: BoundedReader = field(init=False)

    def __post_init__(self) -> None:
        self.stream = BoundedReader(self.reader)

    def deadline(self, seconds: float | None = None) -> float:
        """A loop-time deadline ``seconds`` (default: the idle timeout) from now."""
        return asyncio.get_running_loop().time() + (self.idle_timeout if seconds is None else seconds)

    async def read_exactly(self, size: int, seconds: float | None = None) -> bytes:
        """Exactly ``size`` bytes (callers bound ``size``); ``Closed`` on EOF or timeout."""
        return await self.stream.readexactly(size, self.deadline(seconds))

    async def read_some(self, seconds: float | None = None) -> bytes:
        """Whatever is buffered or arrives next (at least one byte); ``Closed`` on EOF or timeout."""
        if not self.stream.buf and not await self.stream.fill(self.deadline(seconds)):
            raise Closed("eof")
        data = bytes(self.stream.buf)
        self.stream.buf.clear()
        return data

    async def send(self, data: bytes) -> None:
        """Write ``data``; ``Closed("reset")`` when the client is gone or does not read."""
        transport = self.writer.transport
        if transport.is_closing():
            raise Closed("reset")
        try:
            self.writer.write(data)
            if transport.get_write_buffer_size() > _DRAIN_ABOVE:  # only a client that does not read
                await asyncio.wait_for(self.writer.drain(), self.send_timeout)
        except (TimeoutError, ConnectionError, OSError):
            raise Closed("reset") from None
        self.bytes_out += len(data)


class StreamService(Service):
    """Base of the TCP services: listeners, sessions, bounds and the connect/disconnect events."""

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, self.config_model):
            self.config = self.config_model.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, StreamConfig)
        self.stream_cfg: StreamConfig = self.config
        self.bound_ports: list[int] = []
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # -- hooks --------------------------------------------------------------------------

    @abstractmethod
    async def session(self, s: Session) -> None:
        """Speak the protocol with one client until it is done (raise ``Closed`` to end)."""

    def tls_context(self, port: int) -> ssl.SSLContext | None:
        """The TLS context of connections to ``port`` (None: plain TCP)."""
        return None

    async def prepare(self) -> None:
        """Work before listening (e.g. make a certificate)."""

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on every port (``OSError`` if one cannot be bound; none stays open then)."""
        await self.prepare()
        try:
            for port in self.ports:
                server = await asyncio.start_server(
                    partial(self._client, port),
                    self.ctx.bind_host,
                    port,
                    limit=_STREAM_LIMIT,
                    reuse_address=True,
                )
                self._servers.append(server)
                self.bound_ports.append(int(server.sockets[0].getsockname()[1]))
        except OSError:
            await self.stop()
            raise
        self.log.info("%s listening on %s port(s) %s", self.slug, self.ctx.bind_host, self.bound_ports)

    async def stop(self) -> None:
        """Stop listening and drop open connections."""
        for server in self._servers:
            server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        self._servers.clear()
        self.bound_ports.clear()

    # -- connections --------------------------------------------------------------------

    def port_index(self, port: int) -> int:
        """Which of the configured ports (by position) ``port`` was bound for."""
        for index, bound in enumerate(self.bound_ports):
            if bound == port:
                return index
        return 0

    async def _client(self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._tasks) >= self.stream_cfg.max_connections:
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        src_ip, src_port = (
            (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) and len(peer) >= 2 else (None, None)
        )
        sock = writer.get_extra_info("sockname")
        local = int(sock[1]) if isinstance(sock, tuple) and len(sock) >= 2 else port
        s = Session(
            reader,
            writer,
            local,
            src_ip,
            src_port,
            self.stream_cfg.idle_timeout,
            self.stream_cfg.send_timeout,
        )
        self.event(s, "connect", {"dst_port": str(local)})
        try:
            async with asyncio.timeout(self.stream_cfg.session_timeout):
                if await self._secure(s):
                    await self.session(s)
                    s.close_reason = "done"
        except Closed as closed:
            s.close_reason = closed.reason
        except TimeoutError:
            s.close_reason = "timeout"
        except asyncio.CancelledError:  # the service is stopping
            s.close_reason = "shutdown"
        except Exception as exc:  # a bug must not take the listener down
            s.close_reason = "error"
            self.log.exception("%s connection %s failed: %s", self.slug, s.sid, exc)
        finally:
            self._tasks.discard(task)
            self.event(
                s,
                "disconnect",
                {
                    "actions": str(s.actions),
                    "duration_ms": str(int((time.monotonic() - s.started) * 1000)),
                    "bytes_in": str(s.stream.bytes_in),
                    "bytes_out": str(s.bytes_out),
                    "reason": s.close_reason,
                },
            )
            writer.transport.abort()

    async def _secure(self, s: Session) -> bool:
        context = self.tls_context(s.local_port)
        if context is None:
            return True
        # asyncio drops OpenSSL's alert when a handshake fails; scanners (nmap) recognise a TLS
        # port by the protocol_version alert a real server answers an SSLv3/TLS 1.0 hello with.
        spare = _dup(s.writer.get_extra_info("socket"))
        try:
            await s.writer.start_tls(context, ssl_handshake_timeout=min(s.idle_timeout, 30.0))
        except (ssl.SSLError, ConnectionError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            self.event(s, "tls_error", {"reason": clip(str(reason), 200)})
            if spare >= 0 and ("VERSION" in str(reason) or "PROTOCOL" in str(reason)):
                with contextlib.suppress(OSError):
                    os.write(spare, _PROTOCOL_VERSION_ALERT)
            s.close_reason = "tls"
            return False
        finally:
            if spare >= 0:
                os.close(spare)
        sslobj: Any = s.writer.get_extra_info("ssl_object")
        if sslobj is not None:
            cipher = sslobj.cipher()
            s.extra = {
                "tls_version": clip(str(sslobj.version() or ""), 32),
                "cipher": clip(str(cipher[0]) if cipher else "", 64),
            }
        return True

    # -- events -------------------------------------------------------------------------

    def event(self, s: Session, event_type: str, fields: dict[str, str], message: str = "") -> None:
        """Emit one event of session ``s``."""
        self.emit(
            event_type,
            src_ip=s.src_ip,
            src_port=s.src_port,
            sid=s.sid,
            fields={**s.extra, **fields},
            message=message,
        )
