"""HTTP/1.x REST servers on the stream base, reusing the http service's bounded parser.

Subclasses route a parsed :class:`~decnet.services.http.parser.Request` to a :class:`Reply`;
the base reads requests (keep-alive, bounded heads and bodies), writes replies in the product's
header style (Go's sorted canonical headers then ``Date``/``Content-Length``, or the handler's
order), logs every request and any Basic/Bearer credentials in the shared shape.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import ssl
from abc import abstractmethod
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.http.parser import Closed, ParseError, Request, read_body, read_head
from decnet.services.https.cert import ensure_certificate
from decnet.services.streambase import Session, StreamConfig, StreamService
from decnet.services.text import clip, printable

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}
MAX_LOG_HEADERS = 8192
MAX_LOG_PATH = 2048


class RestConfig(StreamConfig):
    """Options of every REST persona."""

    tls_ports: tuple[int, ...] | None = Field(
        None, description="Ports that speak TLS (per-decky certificate); default: the product's TLS port."
    )
    max_body_bytes: int = Field(
        65536, ge=0, le=16 << 20, description="Largest request body read (413 above)."
    )
    log_body_bytes: int = Field(2048, ge=0, le=16384, description="Body characters kept in request events.")
    header_timeout: float = Field(
        20.0, gt=0, le=600, description="Seconds to receive a request head and body."
    )
    max_requests_per_connection: int = Field(100, ge=1, le=10000, description="Keep-alive request cap.")

    @field_validator("tls_ports", mode="before")
    @classmethod
    def _tls_ports(cls, value: Any) -> Any:
        return split_ports(value)


def split_ports(value: Any) -> Any:
    """Accept ``"6443, 8443"`` (INI text) for a tuple of ports."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


@dataclass(slots=True)
class Reply:
    """A response before rendering (``Date``/``Content-Length`` are added by the base)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False
    raw: bytes | None = None  #: bytes written as they are (Go's hand-written 400 answer)


def json_body(value: Any, *, pretty: bool = False, newline: bool = True) -> bytes:
    """JSON text as Go's encoder writes it (compact, or two-space indented)."""
    text = json.dumps(value, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    return (text + ("\n" if newline else "")).encode()


def go_date() -> str:
    """An HTTP date (``Mon, 02 Jan 2006 15:04:05 GMT``)."""
    return formatdate(usegmt=True)


class RestService(StreamService):
    """Base of the REST personas."""

    header_style: ClassVar[Literal["go", "ordered"]] = "go"
    tls_default_ports: ClassVar[tuple[int, ...]] = ()

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, RestConfig)
        self.rest_cfg: RestConfig = self.config
        self._ssl: ssl.SSLContext | None = None
        self._tls_config = self.ports_of(self.rest_cfg.tls_ports, self.tls_default_ports)
        self._tls_bound: set[int] = set()

    def ports_of(self, configured: tuple[int, ...] | None, defaults: tuple[int, ...]) -> set[int]:
        """Positions (in ``ports``) of a role: the configured ports, else where the product's defaults are."""
        if configured is not None:
            return {i for i, port in enumerate(self.ports) if port in configured}
        return {i for i, port in enumerate(self.default_ports[: len(self.ports)]) if port in defaults}

    def bound(self, positions: set[int]) -> set[int]:
        """The bound port numbers at ``positions``."""
        return {port for i, port in enumerate(self.bound_ports) if i in positions}

    # -- hooks ------------------------------------------------------------------------------

    @abstractmethod
    def route(self, request: Request, s: Session) -> Reply:
        """The reply to one request."""

    def bad_request(self, status: int) -> Reply:
        """The reply to a malformed request: Go's net/http writes this by hand, then closes."""
        text = f"{status} {REASONS.get(status, 'Bad Request')}"
        head = f"HTTP/1.1 {text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
        return Reply(status, text.encode(), close=True, raw=head.encode() + text.encode())

    # -- TLS --------------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Make the certificate if a port speaks TLS."""
        if self._tls_config:
            self._context()

    async def start(self) -> None:
        """Listen; remember which bound ports speak TLS."""
        await super().start()
        self._tls_bound = self.bound(self._tls_config)

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            cert, key = ensure_certificate(Path(self.ctx.state_dir), self.persona)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.set_alpn_protocols(["http/1.1"])
            context.load_cert_chain(cert, key)
            self._ssl = context
        return self._ssl

    def tls_context(self, port: int) -> ssl.SSLContext | None:
        """TLS on the ports configured (or defaulted) as TLS."""
        return self._context() if port in self._tls_bound else None

    def is_tls(self, s: Session) -> bool:
        """Whether this session is over TLS."""
        return s.local_port in self._tls_bound

    # -- serving ----------------------------------------------------------------------------

    async def session(self, s: Session) -> None:
        """Serve requests on one connection (keep-alive, bounded)."""
        cfg = self.rest_cfg
        for _ in range(cfg.max_requests_per_connection):
            request: Request | None = None
            try:
                if self.header_style == "go":
                    await self._no_blank_line(s)
                request = await read_head(
                    s.stream, idle_deadline=s.deadline(), header_timeout=cfg.header_timeout
                )
                if request.version != "HTTP/0.9":
                    await read_body(
                        s.stream,
                        request,
                        max_bytes=cfg.max_body_bytes,
                        timeout=cfg.header_timeout,
                        send_continue=s.writer,
                    )
            except ParseError as err:
                s.actions += 1
                reply = self.bad_request(err.status)
                await s.send(self.render(reply, err.request))
                self._log(s, err.request, reply, error=err.kind)
                return
            s.actions += 1
            try:
                reply = self.route(request, s)
            except Exception:  # a routing bug answers 500, as the product would
                self.log.exception("%s route failed", self.slug)
                reply = Reply(500, b"", close=True)
            keep = request.keep_alive and not reply.close
            if not keep:
                reply.close = True
            await s.send(self.render(reply, request))
            self._log(s, request, reply)
            self._log_credentials(s, request)
            if not keep:
                return

    @staticmethod
    async def _no_blank_line(s: Session) -> None:
        """Go reads the request line as is: an empty first line is a malformed request."""
        while not s.stream.buf:
            if not await s.stream.fill(s.deadline()):
                raise Closed("eof")
        if s.stream.buf[:1] == b"\n" or s.stream.buf[:2] == b"\r\n":
            raise ParseError(400, "bad_request")

    def render(self, reply: Reply, request: Request | None) -> bytes:
        """Status line, headers in the product's order, body (none for HEAD or 204/304)."""
        if reply.raw is not None:
            return reply.raw
        version = "HTTP/1.0" if request is not None and request.version == "HTTP/1.0" else "HTTP/1.1"
        body = reply.body
        no_body = reply.status in (204, 304)
        headers = [(k, v) for k, v in reply.headers if k.lower() != "connection"]
        if self.header_style == "go":
            headers.sort(key=lambda item: item[0])
            if reply.close and request is not None and request.version == "HTTP/1.1":
                headers.append(("Connection", "close"))
            headers.append(("Date", go_date()))
            if not no_body and not any(k.lower() == "content-length" for k, _ in headers):
                headers.append(("Content-Length", str(len(body))))
        else:
            if not no_body and not any(k.lower() == "content-length" for k, _ in headers):
                headers.append(("content-length", str(len(body))))
        head = f"{version} {reply.status} {REASONS.get(reply.status, 'Unknown')}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        send_body = not no_body and not (request is not None and request.method == "HEAD")
        return head.encode("latin-1", "replace") + (body if send_body else b"")

    # -- events -----------------------------------------------------------------------------

    def _log(self, s: Session, request: Request | None, reply: Reply, error: str = "") -> None:
        fields: dict[str, str] = {"status": str(reply.status)}
        if error:
            fields["error"] = error
        if request is None:
            fields["raw"] = clip(s.stream.request_line, 1024)
            self.event(s, "request", fields)
            return
        body, cut = printable(request.body, self.rest_cfg.log_body_bytes)
        fields.update(
            method=clip(request.method, 32),
            path=clip(request.raw_path.encode("latin-1", "replace"), MAX_LOG_PATH),
            query=clip(request.target.partition("?")[2].encode("latin-1", "replace"), MAX_LOG_PATH),
            version=request.version,
            headers=_headers_json(request.headers),
            user_agent=clip((request.header("user-agent") or "").encode("latin-1", "replace"), 512),
            body=body,
            body_bytes=str(request.body_size),
        )
        if cut:
            fields["truncated"] = "body"
        self.event(s, "request", fields)

    def credential_ok(self, principal: bytes, secret: bytes, method: str) -> bool:
        """Whether a captured credential is accepted (services with accounts override it)."""
        return False

    def _log_credentials(self, s: Session, request: Request) -> None:
        for name, secret, kind, method in credentials_of(request):
            ok = self.credential_ok(name, secret, method)
            fields = credential_fields(
                name, secret, kind, ok=ok, method=method, path=clip(request.raw_path, 256)
            )
            self.event(s, "auth", fields)


def _headers_json(headers: list[tuple[str, str]]) -> str:
    pairs: list[list[str]] = []
    size = 0
    for name, value in headers:
        pair = [clip(name.encode("latin-1", "replace"), 256), clip(value.encode("latin-1", "replace"), 1024)]
        cost = len(json.dumps(pair, ensure_ascii=False)) + 1
        if size + cost > MAX_LOG_HEADERS:
            pairs.append(["...", f"{len(headers) - len(pairs)} more"])
            break
        pairs.append(pair)
        size += cost
    return json.dumps(pairs, ensure_ascii=False)


def credentials_of(request: Request) -> list[tuple[bytes, bytes, str, str]]:
    """(principal, secret, kind, method) of each Basic/Bearer ``Authorization`` header (at most 4)."""
    found: list[tuple[bytes, bytes, str, str]] = []
    for value in request.header_all("authorization")[:4]:
        scheme, _, param = value.strip().partition(" ")
        raw = param.strip().encode("latin-1", "replace")
        if scheme.lower() == "basic":
            with contextlib.suppress(binascii.Error, ValueError):
                user, _, password = base64.b64decode(raw[:4096], validate=True).partition(b":")
                found.append((user, password, "plaintext", "basic"))
                continue
            found.append((b"", raw, "token", "basic"))
        elif scheme.lower() == "bearer":
            found.append((b"", raw, "token", "bearer"))
    return found
