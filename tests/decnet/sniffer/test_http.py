"""HTTP/1.x request header order (names only)."""

from __future__ import annotations

import pytest

from decnet.sniffer import http


def test_header_names_in_order_values_dropped() -> None:
    request = (
        b"GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8\r\nAccept: */*\r\nX-Secret: hunter2\r\n\r\nbody"
    )
    assert http.header_order(request) == ("GET", "host,user-agent,accept,x-secret")


def test_partial_and_non_http() -> None:
    for cut in (b"G", b"GET", b"GET /x HTTP/1.1\r\nHost: a\r\n"):
        with pytest.raises(http.NeedMore):
            http.header_order(cut)
    assert http.header_order(b"\x16\x03\x01") is None
    assert http.header_order(b"HELLO world\r\n\r\n") is None
    assert http.header_order(b"GET " + b"a" * 9000) is None
    assert http.header_order(b"GETx") is None


def test_hostile_names_are_escaped_and_bounded() -> None:
    names = b"".join(b"H%d: v\r\n" % i for i in range(100))
    method, order = http.header_order(b"POST / HTTP/1.0\r\nX-\x1b]: 1\r\n" + names + b"\r\n") or ("", "")
    assert method == "POST" and order.startswith("x-\\x1b]") and order.count(",") == http.MAX_HEADERS - 1
