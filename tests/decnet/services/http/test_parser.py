"""The request reader and the log escaping, driven by hypothesis."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.http.parser import (
    MAX_HEADERS,
    BoundedReader,
    Closed,
    ParseError,
    Request,
    normalise_path,
    read_body,
    read_head,
)
from decnet.services.http.text import printable


def _parse(data: bytes, max_body: int = 1024) -> Request | ParseError | Closed:
    async def go() -> Request | ParseError | Closed:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        stream = BoundedReader(reader)
        loop = asyncio.get_running_loop()
        try:
            request = await read_head(stream, idle_deadline=loop.time() + 1, header_timeout=1)
            await read_body(stream, request, max_bytes=max_body, timeout=1, send_continue=None)
        except (ParseError, Closed) as exc:
            return exc
        assert len(stream.buf) <= len(data)
        return request

    return asyncio.run(go())


_token = st.sampled_from([b"GET", b"POST", b"HEAD", b"get", b"G\x00T", b"", b"PROPFIND"])
_target = st.one_of(
    st.sampled_from([b"/", b"/a?b=c", b"*", b"http://h/x", b"/%00", b"/../x"]), st.binary(max_size=40)
)
_version = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.x", b"", b"http/1.1"])
_header = st.tuples(
    st.sampled_from(
        [b"Host", b"Content-Length", b"Transfer-Encoding", b"Connection", b"X", b"", b"Bad Name"]
    ),
    st.one_of(
        st.sampled_from([b"x", b"5", b"chunked", b"-1", b"99999999999999999999", b"close"]),
        st.binary(max_size=20),
    ),
)
_sep = st.sampled_from([b"\r\n", b"\n", b"\r"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_token, _target, _version, st.lists(_header, max_size=8), _sep, st.binary(max_size=64))
def test_structured_requests_never_escape(
    method: bytes, target: bytes, version: bytes, headers: list[tuple[bytes, bytes]], sep: bytes, tail: bytes
) -> None:
    data = method + b" " + target + (b" " + version if version else b"") + sep
    data += b"".join(k + b": " + v + sep for k, v in headers) + sep + tail
    result = _parse(data)
    if isinstance(result, Request):
        assert len(result.headers) <= MAX_HEADERS and len(result.body) <= 1024
        assert result.path == "*" or result.path.startswith("/")
    elif isinstance(result, ParseError):
        assert result.status in (400, 411, 413, 414, 501, 505)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_escape(data: bytes) -> None:
    assert isinstance(_parse(data), Request | ParseError | Closed)


def test_limits() -> None:
    assert isinstance(_parse(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n"), ParseError)
    assert _parse(b"GET /" + b"a" * 9000).status == 414  # type: ignore[union-attr]
    many = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 150 + b"\r\n"
    assert _parse(many).kind == "too_many_headers"  # type: ignore[union-attr]
    chunked = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"400\r\n"
        + b"a" * 1024
        + b"\r\n"
    )
    assert _parse(chunked + b"1\r\nb\r\n0\r\n\r\n").status == 413  # type: ignore[union-attr]
    ok = _parse(chunked + b"0\r\n\r\n")
    assert isinstance(ok, Request) and ok.body == b"a" * 1024
    assert (
        _parse(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").status == 400
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/", "/"),
        ("/a//b/./c/", "/a/b/c/"),
        ("/a/../b", "/b"),
        ("/..", None),
        ("/%2e%2e/x", None),
        ("/a%00", None),
        ("/wp-admin", "/wp-admin"),
        ("/x/..", "/"),
    ],
)
def test_normalise_path(raw: str, expected: str | None) -> None:
    assert normalise_path(raw) == expected


@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)), st.integers(min_value=0, max_value=200))
def test_printable_is_bounded_and_printable(data: bytes | str, limit: int) -> None:
    text, cut = printable(data, limit)
    assert len(text) <= limit
    assert text.isprintable()
    if len(data) > limit:
        assert cut


def test_printable_escapes() -> None:
    assert printable(b"a\\b\r\n\t\x00\xff\xc3\xa9", 100) == ("a\\\\b\\r\\n\\t\\x00\\xffé", False)
