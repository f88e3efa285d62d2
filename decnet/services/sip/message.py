"""SIP requests (RFC 3261): a bounded parser and the pieces of a response as chan_pjsip writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_HEAD = 8192
MAX_BODY = 16384
MAX_HEADERS = 64
COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "s": "subject",
    "e": "content-encoding",
}
_TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]{1,32}$")
_PARAM = re.compile(r'([A-Za-z0-9_-]{1,32})\s*=\s*("(?:[^"\\]|\\.){0,1024}"|[^\s,"]{0,1024})')


class SipError(ValueError):
    """Not a SIP request we can answer (the reason is safe to log)."""


@dataclass(slots=True)
class Request:
    method: str
    uri: str
    version: str
    headers: list[tuple[str, str]] = field(default_factory=list)  #: (lowered long name, value)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


def split_head(data: bytes) -> tuple[bytes, bytes] | None:
    """(head, rest) if ``data`` holds a full head (blank line), else None."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        pos = data.find(sep)
        if pos >= 0:
            return data[:pos], data[pos + len(sep) :]
    return None


def parse_head(head: bytes) -> Request:
    """The request line and headers (folded lines joined, compact names expanded)."""
    if len(head) > MAX_HEAD:
        raise SipError("head too long")
    text = head.decode("utf-8", "replace")
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)  # keep-alive CRLFs before a request
    if not lines:
        raise SipError("empty message")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]) or not parts[2].startswith("SIP/"):
        if lines[0].startswith("SIP/2.0 "):
            raise SipError("a response, not a request")
        raise SipError("bad request line")
    req = Request(parts[0].upper(), parts[1][:1024], parts[2][:16])
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and req.headers:
            name, value = req.headers[-1]
            req.headers[-1] = (name, (value + " " + line.strip())[:2048])
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise SipError("header line without a colon")
        if len(req.headers) >= MAX_HEADERS:
            raise SipError("too many headers")
        key = name.strip().lower()
        req.headers.append((COMPACT.get(key, key), value.strip()[:2048]))
    return req


def parse(data: bytes) -> Request:
    """A whole request in one buffer (a UDP datagram); the body is cut to Content-Length."""
    split = split_head(data)
    if split is None:
        raise SipError("no end of head")
    req = parse_head(split[0])
    length = content_length(req)
    req.body = split[1][: min(length, MAX_BODY)] if length is not None else split[1][:MAX_BODY]
    return req


def content_length(req: Request) -> int | None:
    raw = req.header("content-length")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise SipError("bad Content-Length")
    return int(raw)


def digest_params(value: str) -> dict[str, str] | None:
    """The parameters of a ``Digest`` Authorization header (lowered names, unquoted values)."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params: dict[str, str] = {}
    for name, raw in _PARAM.findall(rest):
        if len(params) >= 16:
            break
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[name.lower()] = raw
    return params


def tag_of(value: str) -> str | None:
    match = re.search(r";\s*tag=([^;>\s]+)", value)
    return match.group(1) if match else None
