"""The http service: a web server on raw asyncio streams that answers as the persona's server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.http import creds as creds_mod
from decnet.services.http.apps import APPS, FakeApp
from decnet.services.http.config import HTTPConfig
from decnet.services.http.creds import Credential
from decnet.services.http.flavours import FLAVOURS, Flavour, PageContext, Response, flavour_for
from decnet.services.http.parser import BoundedReader, Closed, ParseError, Request, read_body, read_head
from decnet.services.http.text import clip, clip_wire, printable, wire

#: Bounds of the texts a request event carries.
MAX_LOG_PATH = 2048
MAX_LOG_HEADERS = 8192
MAX_LOG_HEADER_VALUE = 1024
_STREAM_LIMIT = 32768
#: After an error answer, what is still read (and dropped) before closing.
LINGER_SECONDS = 2.0
LINGER_BYTES = 1024 * 1024


@dataclass(slots=True)
class Connection:
    """One client connection."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    local_port: int
    src_ip: str | None
    src_port: int | None
    sid: str = field(default_factory=lambda: secrets.token_hex(8))
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    bytes_out: int = 0
    close_reason: str = "closed"  #: why the connection ended: done, eof, timeout, reset, error, tls
    extra: dict[str, str] = field(default_factory=dict)  #: fields every event of it carries (e.g. TLS)


class HTTPService(Service):
    """HTTP/1.0 and 1.1 with the persona's Server header, pages and error bodies."""

    slug = "http"
    default_ports = (80,)
    config_model: ClassVar[type[ServiceConfig]] = HTTPConfig
    scheme: ClassVar[str] = "http"

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, HTTPConfig):
            self.config = self.config_model.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, HTTPConfig)
        self.cfg: HTTPConfig = self.config
        server = self.cfg.server_header or self.persona.http_server
        name = self.cfg.flavour or (flavour_for(server) if self.cfg.server_header else None)
        name = name or self.persona.http_flavour
        self.flavour: Flavour = FLAVOURS.get(name, FLAVOURS["nginx"])(server, self.persona)
        self.idle_timeout = self.cfg.idle_timeout or self.flavour.idle_timeout
        self.bound_ports: list[int] = []
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._apps: dict[int, FakeApp] = {}

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        """Listen on every port (``OSError`` if one cannot be bound; none stays open then)."""
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
        self.log.info(
            "%s listening on %s port(s) %s as %s",
            self.slug,
            self.ctx.bind_host,
            self.bound_ports,
            self.flavour.server,
        )

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

    # -- hooks for https ------------------------------------------------------------

    async def secure(self, conn: Connection) -> bool:
        """Prepare the stream before the first request (TLS in https); False closes it."""
        return True

    # -- connections ----------------------------------------------------------------

    async def _client(self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._tasks) >= self.cfg.max_connections:
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        src_ip, src_port = (
            (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) and len(peer) >= 2 else (None, None)
        )
        conn = Connection(reader, writer, port, src_ip, src_port)
        sock = writer.get_extra_info("sockname")
        if isinstance(sock, tuple) and len(sock) >= 2:
            conn.local_port = int(sock[1])
        self._emit(conn, "connect", {"dst_port": str(conn.local_port)})
        try:
            if await self.secure(conn):
                await self._serve(conn)
        except asyncio.CancelledError:  # the service is stopping; end quietly (3.11 logs cancelled handlers)
            conn.close_reason = "shutdown"
        except Exception as exc:  # a bug must not take the listener down
            conn.close_reason = "error"
            self.log.exception("connection %s failed: %s", conn.sid, exc)
        finally:
            self._tasks.discard(task)
            self._emit(
                conn,
                "disconnect",
                {
                    "requests": str(conn.requests),
                    "duration_ms": str(int((time.monotonic() - conn.started) * 1000)),
                    "bytes_out": str(conn.bytes_out),
                    "reason": conn.close_reason,
                },
            )
            writer.transport.abort() if writer.transport.is_closing() else writer.close()

    async def _serve(self, conn: Connection) -> None:
        stream = BoundedReader(conn.reader)
        loop = asyncio.get_running_loop()
        cap = self.cfg.max_requests_per_connection
        while conn.requests < cap:
            wait = self.cfg.header_timeout if conn.requests == 0 else self.idle_timeout
            request: Request | None = None
            try:
                request = await read_head(
                    stream, idle_deadline=loop.time() + wait, header_timeout=self.cfg.header_timeout
                )
                if request.version != "HTTP/0.9":
                    await read_body(
                        stream,
                        request,
                        max_bytes=self.cfg.max_body_bytes,
                        timeout=self.cfg.body_timeout,
                        send_continue=conn.writer,
                    )
            except Closed as closed:
                conn.close_reason = closed.reason
                if request is not None:  # head read, body never came
                    self._log_request(conn, request, None, stream, error=f"body_{closed.reason}")
                return
            except ParseError as err:
                conn.requests += 1
                conn.close_reason = "error"
                ctx = self._page_context(conn, err.request)
                resp = self.flavour.error(err.status, err.kind, ctx)
                resp.close = True
                simple = err.request is not None and err.request.version == "HTTP/0.9"
                await self._write(conn, resp, err.request, keep_alive=False, simple=simple)
                self._log_request(conn, err.request, resp, stream, error=err.kind)
                if err.request is not None:
                    self._log_auth(conn, err.request, creds_mod.from_headers(err.request))
                await self._linger(conn)
                return
            conn.requests += 1
            ctx = self._page_context(conn, request)
            resp, app_creds = self._route(request, ctx, conn)
            keep = request.keep_alive and conn.requests < cap and not resp.close
            simple = request.version == "HTTP/0.9"
            ok = await self._write(conn, resp, request, keep_alive=keep, simple=simple)
            self._log_request(conn, request, resp, stream)
            self._log_auth(conn, request, creds_mod.extract(request) + app_creds)
            if not keep or not ok or simple:
                conn.close_reason = "done" if ok else "reset"
                return
        conn.close_reason = "done"

    def _route(
        self, request: Request, ctx: PageContext, conn: Connection
    ) -> tuple[Response, list[Credential]]:
        flavour = self.flavour
        if request.path == "*":
            return flavour.method_check(request.method, True, ctx) or flavour.error(
                400, "bad_request", ctx
            ), []
        if any(request.path.startswith(prefix) for prefix in self.cfg.basic_auth_paths):
            resp = flavour.error(401, "auth", ctx)
            resp.headers.append(("WWW-Authenticate", f'Basic realm="{self.cfg.basic_auth_realm}"'))
            return resp, []
        app = self._app(conn.local_port)
        if app is not None:
            answer = app.handle(request, ctx)
            if answer is not None:
                return answer
        exists = flavour.is_index(request.path)
        denied = flavour.method_check(request.method, exists, ctx)
        if denied is not None:
            return denied, []
        if exists:
            return flavour.index(ctx), []
        return flavour.error(404, "not_found", ctx), []

    def _app(self, port: int) -> FakeApp | None:
        if self.cfg.fake_app == "none":
            return None
        if port not in self._apps:
            self._apps[port] = APPS[self.cfg.fake_app](
                self.flavour, self.cfg, self.persona, self.scheme, port
            )
        return self._apps[port]

    def _page_context(self, conn: Connection, request: Request | None) -> PageContext:
        if request is None:
            return PageContext(port=conn.local_port, scheme=self.scheme)
        host = (request.header("host") or "")[:255]
        if host.startswith("["):
            host = host[: host.find("]") + 1] if "]" in host else ""
        else:
            host = host.split(":", 1)[0]
        return PageContext(
            method=request.method,
            path=request.raw_path[:MAX_LOG_PATH],
            host=host,
            port=conn.local_port,
            user_agent=(request.header("user-agent") or "")[:512],
            scheme=self.scheme,
        )

    async def _write(
        self, conn: Connection, resp: Response, request: Request | None, *, keep_alive: bool, simple: bool
    ) -> bool:
        data = self.flavour.render(
            resp,
            keep_alive=keep_alive,
            remaining=self.cfg.max_requests_per_connection - conn.requests + 1,
            head_only=request is not None and request.method == "HEAD",
            simple=simple,
        )
        try:
            conn.writer.write(data)
            await asyncio.wait_for(conn.writer.drain(), self.cfg.send_timeout)
        except (TimeoutError, ConnectionError, OSError):
            return False
        conn.bytes_out += len(data)
        return True

    @staticmethod
    async def _linger(conn: Connection) -> None:
        """Read and drop what the client still sends (bounded), so the answer is not lost to a reset."""
        with contextlib.suppress(Exception):
            if conn.writer.can_write_eof():
                conn.writer.write_eof()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + LINGER_SECONDS
            dropped = 0
            while dropped < LINGER_BYTES and loop.time() < deadline:
                data = await asyncio.wait_for(conn.reader.read(65536), deadline - loop.time())
                if not data:
                    break
                dropped += len(data)

    # -- events -----------------------------------------------------------------------

    def _emit(self, conn: Connection, event_type: str, fields: dict[str, str]) -> None:
        self.emit(
            event_type,
            src_ip=conn.src_ip,
            src_port=conn.src_port,
            sid=conn.sid,
            fields={**conn.extra, **fields},
        )

    def _log_request(
        self,
        conn: Connection,
        request: Request | None,
        resp: Response | None,
        stream: BoundedReader,
        error: str = "",
    ) -> None:
        fields: dict[str, str] = {"status": str(resp.status) if resp is not None else "-"}
        if error:
            fields["error"] = error
        if request is None:
            fields["raw"] = clip(stream.request_line, 1024)
            self._emit(conn, "request", fields)
            return
        path, path_cut = wire(request.raw_path, MAX_LOG_PATH)
        body, body_cut = printable(request.body, self.cfg.log_body_bytes)
        fields.update(
            method=request.method,
            path=path,
            query=clip_wire(request.target.partition("?")[2], MAX_LOG_PATH),
            version=request.version,
            headers=_headers_json(request.headers),
            user_agent=clip_wire(request.header("user-agent") or "", 512),
            host=clip_wire(request.header("host") or "", 256),
            body=body,
            body_bytes=str(request.body_size),
        )
        if not request.target.startswith("/"):
            fields["target"] = clip_wire(request.target, MAX_LOG_PATH)
        if path_cut or body_cut:
            fields["truncated"] = ",".join(n for n, cut in (("path", path_cut), ("body", body_cut)) if cut)
        if self.cfg.fake_app != "none":
            fields["app"] = self.cfg.fake_app
        self._emit(conn, "request", fields)

    def _log_auth(self, conn: Connection, request: Request, found: list[Credential]) -> None:
        for cred in found[:100]:
            fields = cred.fields()
            fields["path"] = clip_wire(request.raw_path, 512)
            if self.cfg.fake_app != "none":
                fields["app"] = self.cfg.fake_app
            self._emit(conn, "auth", fields)


def _headers_json(headers: list[tuple[str, str]]) -> str:
    """Headers in order as a JSON list of ``[name, value]``, at most :data:`MAX_LOG_HEADERS` characters."""
    pairs: list[list[str]] = []
    size = 2
    for name, value in headers:
        pair = [clip_wire(name, 256), clip_wire(value, MAX_LOG_HEADER_VALUE)]
        cost = len(json.dumps(pair, ensure_ascii=False)) + 1
        if size + cost > MAX_LOG_HEADERS:
            pairs.append(["...", f"{len(headers) - len(pairs)} more"])
            break
        pairs.append(pair)
        size += cost
    return json.dumps(pairs, ensure_ascii=False)
