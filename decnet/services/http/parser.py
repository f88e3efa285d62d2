"""Defensive HTTP/1.x request reading: every size, count and wait is bounded."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

#: Longest request line (nginx large_client_header_buffers / Apache LimitRequestLine).
MAX_REQUEST_LINE = 8192
#: Longest header block after the request line, and most header fields.
MAX_HEADER_BYTES = 16384
MAX_HEADERS = 100
#: Blank lines tolerated before a request line.
MAX_LEADING_BLANKS = 8
#: Longest chunk-size line, most chunks, most trailer fields.
MAX_CHUNK_LINE = 1024
MAX_CHUNKS = 16384

_READ = 4096
_METHOD = re.compile(rb"[A-Z_-]{1,32}")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")
_CTL = re.compile(rb"[\x00-\x20\x7f]")


class ParseError(Exception):
    """The request cannot be served; ``kind`` picks the flavour's error page."""

    def __init__(self, status: int, kind: str, request: Request | None = None) -> None:
        super().__init__(f"{status} {kind}")
        self.status = status
        self.kind = kind  # bad_request, header_too_large, too_many_headers, uri_too_long, bad_host,
        # version, not_implemented, length_required, too_large
        self.request = request


class Closed(Exception):
    """The client went away or was too slow: close without answering (as real servers do)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Request:
    """One parsed request; text is latin-1 decoded attacker input (not yet escaped)."""

    method: str
    target: str
    version: str  # "HTTP/1.1", "HTTP/1.0" or "HTTP/0.9"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    body_size: int = 0  # bytes announced or received (may exceed ``len(body)`` when refused)
    path: str = "/"  # decoded, normalised path for routing
    query: str = ""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name``."""
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    @property
    def raw_path(self) -> str:
        """The path part of the target as sent."""
        target = self.target
        if "://" in target.split("?", 1)[0]:
            rest = target.split("://", 1)[1]
            slash = rest.find("/")
            target = rest[slash:] if slash >= 0 else "/"
        return target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        """Whether the client allows another request on this connection."""
        tokens = {t.strip().lower() for v in self.header_all("connection") for t in v.split(",")}
        if self.version == "HTTP/1.1":
            return "close" not in tokens
        return self.version == "HTTP/1.0" and "keep-alive" in tokens


class BoundedReader:
    """A buffer over a stream reader: lines with a size cap, exact reads, each under a deadline."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self.buf = bytearray()
        self.bytes_in = 0
        self.request_line = b""  #: the last request line read (bounded), for logging bad requests

    async def fill(self, deadline: float) -> bool:
        """Read more; False at end of stream; ``Closed`` when the deadline passes."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise Closed("timeout")
        try:
            data = await asyncio.wait_for(self._reader.read(_READ), remaining)
        except TimeoutError:
            raise Closed("timeout") from None
        except (ConnectionError, OSError):
            raise Closed("reset") from None
        if not data:
            return False
        self.buf += data
        self.bytes_in += len(data)
        return True

    async def readline(self, limit: int, deadline: float) -> bytes | None:
        """A line without its LF/CRLF; None if longer than ``limit``; ``Closed`` at EOF."""
        start = 0
        while True:
            idx = self.buf.find(b"\n", start)
            if idx >= 0:
                if idx > limit + 1:
                    return None
                line = bytes(self.buf[:idx])
                del self.buf[: idx + 1]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self.buf) > limit + 1:
                return None
            start = len(self.buf)
            if not await self.fill(deadline):
                raise Closed("eof")

    async def readexactly(self, size: int, deadline: float) -> bytes:
        """Exactly ``size`` bytes (callers bound ``size``)."""
        while len(self.buf) < size:
            if not await self.fill(deadline):
                raise Closed("eof")
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data


def normalise_path(raw: str) -> str | None:
    """Percent-decode and resolve ``.``/``..``/``//`` like nginx; None if invalid or above the root."""
    decoded = unquote_to_bytes(raw)
    if b"\x00" in decoded or not decoded.startswith(b"/"):
        return None
    parts: list[str] = []
    for segment in decoded.decode("latin-1").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(segment)
    trailing = "/" if decoded.endswith(b"/") or decoded.endswith(b"/.") or decoded.endswith(b"/..") else ""
    path = "/" + "/".join(parts)
    return path + trailing if parts and trailing else path


async def read_head(stream: BoundedReader, *, idle_deadline: float, header_timeout: float) -> Request:
    """Read a request line and header block.

    ``Closed`` if the client goes away or is slow (nothing to answer), ``ParseError`` if the
    request is malformed or too big (answer with that status and close).
    """
    loop = asyncio.get_running_loop()
    while not stream.buf:
        if not await stream.fill(idle_deadline):
            raise Closed("eof")
    deadline = loop.time() + header_timeout
    line: bytes | None = b""
    for _ in range(MAX_LEADING_BLANKS + 1):
        line = await stream.readline(MAX_REQUEST_LINE, deadline)
        if line != b"":
            break
    if line is None:
        stream.request_line = bytes(stream.buf[:1024])
        raise ParseError(414, "uri_too_long")
    stream.request_line = line[:4096]
    if line == b"":
        raise ParseError(400, "bad_request")
    request = parse_request_line(line)
    if request.version == "HTTP/0.9":
        return request
    size = 0
    while True:
        hline = await stream.readline(MAX_HEADER_BYTES - size, deadline)
        if hline is None:
            raise ParseError(400, "header_too_large", request)
        size += len(hline) + 2
        if hline == b"":
            break
        if size > MAX_HEADER_BYTES:
            raise ParseError(400, "header_too_large", request)
        if len(request.headers) >= MAX_HEADERS:
            raise ParseError(400, "too_many_headers", request)
        name, sep, value = hline.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise ParseError(400, "bad_request", request)
        request.headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
    if request.version == "HTTP/1.1" and not _valid_host(request.header_all("host")):
        raise ParseError(400, "bad_host", request)
    if (
        request.version == "HTTP/1.0"
        and request.header_all("host")
        and not _valid_host(request.header_all("host"))
    ):
        raise ParseError(400, "bad_host", request)
    return request


def _valid_host(values: list[str]) -> bool:
    if len(values) != 1:
        return False
    host = values[0]
    return 0 < len(host) <= 255 and re.fullmatch(r"[A-Za-z0-9.\-_:\[\]]+", host) is not None


def parse_request_line(line: bytes) -> Request:
    """Parse ``METHOD SP target [SP HTTP/x.y]``; raise ``ParseError`` when it is not one."""
    parts = line.split()
    if len(parts) not in (2, 3) or not _METHOD.fullmatch(parts[0]) or _CTL.search(parts[1]):
        raise ParseError(400, "bad_request")
    method, target = parts[0].decode("ascii"), parts[1].decode("latin-1")
    if len(parts) == 2:
        if method != "GET":
            raise ParseError(400, "bad_request")
        version = "HTTP/0.9"
    else:
        match = _VERSION.fullmatch(parts[2])
        if match is None:
            raise ParseError(400, "bad_request")
        major, minor = int(match[1]), int(match[2])
        if major != 1:
            raise ParseError(505 if major > 1 else 400, "version")
        version = "HTTP/1.1" if minor >= 1 else "HTTP/1.0"
    request = Request(method=method, target=target, version=version)
    if target == "*" and method == "OPTIONS":
        request.path = "*"
        return request
    if target.startswith("/"):
        raw_path, _, request.query = target.partition("?")
    elif target.lower().startswith(("http://", "https://")):
        raw_path = request.raw_path
        request.query = target.partition("?")[2]
    else:
        raise ParseError(400, "bad_request", request)
    path = normalise_path(raw_path)
    if path is None:
        raise ParseError(400, "bad_request", request)
    request.path = path
    return request


async def read_body(
    stream: BoundedReader,
    request: Request,
    *,
    max_bytes: int,
    timeout: float,
    send_continue: asyncio.StreamWriter | None,
) -> None:
    """Read the body into ``request.body`` (Content-Length or chunked), at most ``max_bytes``.

    ``ParseError`` 413 if bigger, 400 if malformed, 501 for an unknown transfer coding;
    ``Closed`` if the client stalls. ``send_continue`` answers ``Expect: 100-continue``.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    codings = [t.strip().lower() for v in request.header_all("transfer-encoding") for t in v.split(",")]
    lengths = request.header_all("content-length")
    if codings:
        if codings != ["chunked"]:
            raise ParseError(501, "not_implemented", request)
        await _continue(request, send_continue)
        await _read_chunked(stream, request, max_bytes, deadline)
        return
    if not lengths:
        return
    if len(set(lengths)) != 1 or not re.fullmatch(r"\d{1,18}", lengths[0]):
        raise ParseError(400, "bad_request", request)
    size = int(lengths[0])
    request.body_size = size
    if size > max_bytes:
        raise ParseError(413, "too_large", request)
    if size:
        await _continue(request, send_continue)
        request.body = await stream.readexactly(size, deadline)


async def _continue(request: Request, writer: asyncio.StreamWriter | None) -> None:
    expect = (request.header("expect") or "").lower()
    if writer is not None and expect == "100-continue" and request.version == "HTTP/1.1":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            await asyncio.wait_for(writer.drain(), 10)
        except (TimeoutError, ConnectionError, OSError):
            raise Closed("reset") from None


async def _read_chunked(stream: BoundedReader, request: Request, max_bytes: int, deadline: float) -> None:
    body = bytearray()
    for _ in range(MAX_CHUNKS):
        line = await stream.readline(MAX_CHUNK_LINE, deadline)
        if line is None:
            raise ParseError(400, "bad_request", request)
        size_text = line.split(b";", 1)[0].strip()
        if not re.fullmatch(rb"[0-9A-Fa-f]{1,15}", size_text):
            raise ParseError(400, "bad_request", request)
        size = int(size_text, 16)
        if size == 0:
            trailer_bytes = 0
            for _ in range(MAX_HEADERS + 1):
                trailer = await stream.readline(MAX_HEADER_BYTES - trailer_bytes, deadline)
                if trailer is None:
                    raise ParseError(400, "header_too_large", request)
                if trailer == b"":
                    request.body = bytes(body)
                    request.body_size = len(body)
                    return
                trailer_bytes += len(trailer) + 2
            raise ParseError(400, "too_many_headers", request)
        request.body_size = len(body) + size
        if len(body) + size > max_bytes:
            request.body = bytes(body)
            raise ParseError(413, "too_large", request)
        body += await stream.readexactly(size, deadline)
        if await stream.readline(0, deadline) != b"":
            raise ParseError(400, "bad_request", request)
    raise ParseError(400, "bad_request", request)
