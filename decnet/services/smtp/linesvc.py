"""The TCP side shared by the text-protocol services (smtp, smtp_relay, ftp, imap, pop3, telnet).

A :class:`LineService` listens on every port, admits at most ``max_connections`` clients,
emits ``connect`` and ``disconnect`` (duration, bytes, commands, reason) for each, wraps the
implicit-TLS ports (993, 995, ...) in the decky's certificate, offers STARTTLS, and hands each
:class:`Session` to the protocol's :meth:`LineService.serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import ssl
import time
from abc import abstractmethod
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from pydantic import Field, field_validator

from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.smtp.lines import Closed, Line, LineReader
from decnet.services.text import clip

#: Events one session may emit besides ``connect``/``disconnect`` (a flood cannot swamp the collector).
MAX_SESSION_EVENTS = 1000
_STREAM_LIMIT = 65536


class LineConfig(ServiceConfig):
    """Options every line-protocol service takes."""

    idle_timeout: float = Field(300.0, gt=0, le=3600, description="Seconds of silence before closing.")
    max_session_seconds: float = Field(3600.0, gt=0, le=86400, description="Longest session, in seconds.")
    max_connections: int = Field(256, ge=1, le=65536, description="Concurrent connections; more are closed.")
    max_commands: int = Field(1000, ge=1, le=100_000, description="Commands per session before closing.")
    send_timeout: float = Field(20.0, gt=0, le=600, description="Seconds to write one answer.")
    auth_fail_delay: float | None = Field(
        None, ge=0, le=30, description="Seconds before a failed login is answered (default: the product's)."
    )
    tls_ports: tuple[int, ...] | None = Field(
        None, description="Ports that speak TLS from the first byte (default: the service's, e.g. 993)."
    )

    @field_validator("ports", "tls_ports", mode="before")
    @classmethod
    def _port_list(cls, value: object) -> object:
        return split_ports(value)

    @field_validator("ports", "tls_ports")
    @classmethod
    def _port_range(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return check_ports(value)


def split_ports(value: object) -> object:
    """``"25, 587"`` (an INI value) as a list of ports; other values unchanged."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def check_ports(value: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """Reject ports outside 0-65535 (0 = any free port, for tests)."""
    for port in value or ():
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} out of range")
    return value


@dataclass(slots=True)
class Session:
    """One client connection."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    lines: LineReader
    local_port: int
    src_ip: str | None
    src_port: int | None
    sid: str = field(default_factory=lambda: secrets.token_hex(8))
    started: float = field(default_factory=time.monotonic)
    commands: int = 0
    events: int = 0
    bytes_out: int = 0
    tls: bool = False
    close_reason: str = "closed"
    extra: dict[str, str] = field(default_factory=dict)  #: fields every event carries (TLS details)


class LineService(Service):
    """Base of the text-protocol services: the accept loop, TLS, events; protocols implement ``serve``."""

    config_model: ClassVar[type[ServiceConfig]] = LineConfig
    #: Default implicit-TLS ports of the protocol (993 for imap, 995 for pop3).
    implicit_tls: ClassVar[tuple[int, ...]] = ()
    #: Longest command line read.
    max_line: ClassVar[int] = 2048
    #: The product's delay before a failed login is answered (``auth_fail_delay`` overrides it).
    default_auth_fail_delay: ClassVar[float] = 0.0

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, self.config_model):
            self.config = self.config_model.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, LineConfig)
        self.cfg: LineConfig = self.config
        self.bound_ports: list[int] = []
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._ssl: ssl.SSLContext | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def tls_ports(self) -> tuple[int, ...]:
        """Ports that are TLS from the first byte."""
        return self.cfg.tls_ports if self.cfg.tls_ports is not None else self.implicit_tls

    @property
    def auth_fail_delay(self) -> float:
        """Seconds a failed login waits before its answer."""
        delay = self.cfg.auth_fail_delay
        return self.default_auth_fail_delay if delay is None else delay

    def tls_context(self) -> ssl.SSLContext:
        """The server TLS context with the decky's certificate (made on first use)."""
        if self._ssl is None:
            from decnet.services.https.cert import ensure_certificate

            cert, key = ensure_certificate(self.ctx.state_dir, self.persona)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.options |= ssl.OP_NO_COMPRESSION
            context.load_cert_chain(cert, key)
            self._ssl = context
        return self._ssl

    async def start(self) -> None:
        """Listen on every port (``OSError`` if one cannot be bound; none stays open then)."""
        if any(port in self.tls_ports for port in self.ports):
            self.tls_context()
        try:
            for port in self.ports:
                server = await asyncio.start_server(
                    partial(self._client, port in self.tls_ports),
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

    # -- connections ---------------------------------------------------------------------

    async def _client(
        self, implicit_tls: bool, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if len(self._tasks) >= self.cfg.max_connections:
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        sock = writer.get_extra_info("sockname")
        src_ip, src_port = (
            (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) and len(peer) >= 2 else (None, None)
        )
        local = int(sock[1]) if isinstance(sock, tuple) and len(sock) >= 2 else 0
        sess = Session(reader, writer, LineReader(reader, self.max_line), local, src_ip, src_port)
        self.emit(
            "connect",
            src_ip=src_ip,
            src_port=src_port,
            sid=sess.sid,
            fields={"dst_port": str(local), **({"tls": "implicit"} if implicit_tls else {})},
        )
        try:
            if not implicit_tls or await self.starttls(sess, implicit=True):
                async with asyncio.timeout(self.cfg.max_session_seconds):  # same task: no orphan on stop
                    await self.serve(sess)
                if sess.close_reason == "closed":
                    sess.close_reason = "done"
        except Closed as closed:
            sess.close_reason = closed.reason
        except TimeoutError:
            sess.close_reason = "max_duration"
        except asyncio.CancelledError:  # the service is stopping
            sess.close_reason = "shutdown"
        except Exception as exc:  # a bug must not take the listener down
            sess.close_reason = "error"
            self.log.exception("%s connection %s failed: %s", self.slug, sess.sid, exc)
        finally:
            self._tasks.discard(task)
            self.emit(
                "disconnect",
                src_ip=src_ip,
                src_port=src_port,
                sid=sess.sid,
                fields={
                    **sess.extra,
                    "duration_ms": str(int((time.monotonic() - sess.started) * 1000)),
                    "commands": str(sess.commands),
                    "bytes_in": str(sess.lines.bytes_in),
                    "bytes_out": str(sess.bytes_out),
                    "reason": sess.close_reason,
                },
            )
            with contextlib.suppress(Exception):
                writer.transport.abort() if writer.transport.is_closing() else writer.close()

    @abstractmethod
    async def serve(self, sess: Session) -> None:
        """Speak the protocol with one client until it leaves (raise :class:`Closed` to end)."""

    # -- helpers for the protocols ------------------------------------------------------------

    async def send(self, sess: Session, data: str | bytes) -> None:
        """Write ``data`` (text is UTF-8); :class:`Closed` if the client is gone or stalls."""
        raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
        try:
            sess.writer.write(raw)
            await asyncio.wait_for(sess.writer.drain(), self.cfg.send_timeout)
        except TimeoutError:
            raise Closed("timeout") from None
        except (ConnectionError, OSError, RuntimeError):
            raise Closed("reset") from None
        sess.bytes_out += len(raw)

    async def command(self, sess: Session, timeout: float | None = None) -> Line:
        """The next command line; counts it and ends the session past ``max_commands``."""
        line = await sess.lines.readline(self.cfg.idle_timeout if timeout is None else timeout)
        sess.commands += 1
        if sess.commands > self.cfg.max_commands:
            raise Closed("max_commands")
        return line

    async def starttls(self, sess: Session, go: str = "", *, implicit: bool = False) -> bool:
        """Send ``go`` (the "ready to start TLS" reply), then the TLS handshake.

        The reply is written without yielding to the event loop before the switch, so a fast
        client's ClientHello cannot land in the plaintext buffer. A failure emits ``tls_error``
        and returns False.
        """
        sess.lines.discard()
        pending = getattr(sess.reader, "_buffer", None)  # plaintext the stream already read ahead
        if isinstance(pending, bytearray) and pending:
            self.event(
                sess, "command", {"verb": "", "error": "starttls_injection", "size": str(len(pending))}
            )
            pending.clear()
        try:
            context = self.tls_context()
            if go:
                raw = go.encode()
                sess.writer.write(raw)
                sess.bytes_out += len(raw)
            await sess.writer.start_tls(context, ssl_handshake_timeout=min(30.0, self.cfg.idle_timeout))
        except (ssl.SSLError, ConnectionError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            self.event(sess, "tls_error", {"reason": clip(str(reason), 200)})
            sess.close_reason = "tls"
            return False
        sess.tls = True
        sslobj: Any = sess.writer.get_extra_info("ssl_object")
        cipher = sslobj.cipher() if sslobj is not None else None
        sess.extra = {
            "tls": "implicit" if implicit else "starttls",
            "tls_version": clip(str(sslobj.version() if sslobj is not None else ""), 32),
            "cipher": clip(str(cipher[0]) if cipher else "", 64),
        }
        return True

    def event(self, sess: Session, event_type: str, fields: dict[str, str], message: str = "") -> None:
        """Emit one event of ``sess`` (at most :data:`MAX_SESSION_EVENTS` per session)."""
        if sess.events >= MAX_SESSION_EVENTS:
            return
        sess.events += 1
        self.emit(
            event_type,
            src_ip=sess.src_ip,
            src_port=sess.src_port,
            sid=sess.sid,
            fields={**sess.extra, **fields},
            message=message,
        )

    async def fail_delay(self) -> None:
        """Wait as the product does before answering a failed login."""
        if self.auth_fail_delay > 0:
            await asyncio.sleep(self.auth_fail_delay)
