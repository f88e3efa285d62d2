"""What curl and raw clients see from each flavour: Server header, default pages, error pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import GIVEAWAYS, SERVERS, make_persona, raw, running, split_response

Curl = Callable[..., Any]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


async def test_nginx_default_page_and_headers(curl: Curl) -> None:
    async with running("nginx") as (_, port, _events):
        code, out = await curl("-i", f"http://127.0.0.1:{port}/")
    assert code == 0
    status, headers, body = split_response(out)
    assert status == "HTTP/1.1 200 OK"
    assert [k for k, _ in headers] == [
        "Server",
        "Date",
        "Content-Type",
        "Content-Length",
        "Last-Modified",
        "Connection",
        "ETag",
        "Accept-Ranges",
    ]
    assert _header(headers, "Server") == "nginx/1.18.0 (Ubuntu)"
    assert _header(headers, "Content-Length") == "612" == str(len(body))
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", _header(headers, "Date") or "")
    assert re.fullmatch(r'"[0-9a-f]+-264"', _header(headers, "ETag") or "")
    assert b"<title>Welcome to nginx!</title>" in body


async def test_nginx_error_pages(curl: Curl) -> None:
    async with running("nginx") as (_, port, _events):
        _, out404 = await curl("-i", f"http://127.0.0.1:{port}/admin/config.php")
        _, out405 = await curl("-i", "-X", "DELETE", f"http://127.0.0.1:{port}/")
        _, post_index = await curl("-i", "-d", "a=b", f"http://127.0.0.1:{port}/")
        out400 = await raw(port, b"GET / HTTP/1.1\r\n\r\n")
        out414 = await raw(port, b"GET /" + b"A" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        out413 = await raw(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        out501 = await raw(port, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
        big = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(
            b"X-%d: %s\r\n" % (i, b"v" * 500) for i in range(40)
        )
        out494 = await raw(port, big + b"\r\n")
    tail = b"<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n"
    status, headers, body = split_response(out404)
    assert status == "HTTP/1.1 404 Not Found"
    assert (
        body == b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
        b"<center><h1>404 Not Found</h1></center>\r\n" + tail
    )
    assert _header(headers, "Content-Type") == "text/html"
    for out, line in (
        (out405, "HTTP/1.1 405 Not Allowed"),
        (post_index, "HTTP/1.1 405 Not Allowed"),
        (out400, "HTTP/1.1 400 Bad Request"),
        (out414, "HTTP/1.1 414 Request-URI Too Large"),
        (out413, "HTTP/1.1 413 Request Entity Too Large"),
        (out501, "HTTP/1.1 501 Not Implemented"),
        (out494, "HTTP/1.1 400 Bad Request"),
    ):
        status, headers, body = split_response(out)
        assert status == line, out[:200]
        assert body.endswith(tail)
        assert _header(headers, "Server") == SERVERS["nginx"]
    assert b"Request Header Or Cookie Too Large" in out494
    assert _header(split_response(out400)[1], "Connection") == "close"


@pytest.mark.parametrize(
    ("distro", "status", "marker"),
    [
        ("debian", 200, b"<title>Apache2 Debian Default Page: It works</title>"),
        ("ubuntu22", 200, b"<title>Apache2 Ubuntu Default Page: It works</title>"),
        ("alpine", 200, b"<html><body><h1>It works!</h1></body></html>\n"),
        ("rocky9", 403, b"HTTP Server Test Page"),
    ],
)
async def test_apache_default_page_per_distro(curl: Curl, distro: str, status: int, marker: bytes) -> None:
    persona = make_persona("apache", distro=distro)
    async with running("apache", persona=persona) as (_, port, _events):
        _, out = await curl("-i", f"http://127.0.0.1:{port}/")
    line, headers, body = split_response(out)
    assert line.startswith(f"HTTP/1.1 {status} ")
    assert marker in body
    assert [k for k, _ in headers][:2] == ["Date", "Server"]
    assert _header(headers, "Server") == "Apache/2.4.57 (Debian)"
    assert _header(headers, "Keep-Alive") == "timeout=5, max=100"
    assert _header(headers, "Connection") == "Keep-Alive"
    assert [k for k, _ in headers][-1] == "Content-Type"


async def test_apache_error_pages(curl: Curl) -> None:
    async with running("apache") as (_, port, _events):
        _, out404 = await curl("-i", "-H", "Host: intranet.corp", f"http://127.0.0.1:{port}/secret.txt")
        _, out405 = await curl("-i", "-X", "PUT", f"http://127.0.0.1:{port}/")
        _, out501 = await curl("-i", "-X", "FOO", f"http://127.0.0.1:{port}/")
        out400 = await raw(port, b"GET / HTTP/1.1\r\n\r\n")
        out414 = await raw(port, b"GET /" + b"A" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        out413 = await raw(port, b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
    line, headers, body = split_response(out404)
    assert line == "HTTP/1.1 404 Not Found"
    assert body == (
        b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n'
        b"</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n"
        b"<address>Apache/2.4.57 (Debian) Server at intranet.corp Port %d</address>\n</body></html>\n" % port
    )
    assert _header(headers, "Content-Type") == "text/html; charset=iso-8859-1"
    assert b"The requested method PUT is not allowed for this URL." in out405
    assert _header(split_response(out405)[1], "Allow") == "GET,POST,OPTIONS,HEAD"
    assert b"<p>FOO not supported for current URL.<br />" in out501
    assert split_response(out501)[0] == "HTTP/1.1 501 Not Implemented"
    assert split_response(out400)[0] == "HTTP/1.1 400 Bad Request"
    assert b"Your browser sent a request that this server could not understand." in out400
    assert split_response(out414)[0] == "HTTP/1.1 414 Request-URI Too Long"
    assert split_response(out413)[0] == "HTTP/1.1 413 Request Entity Too Large"
    assert b"The requested resource<br />/up<br />" in out413


async def test_apache_escapes_reflected_host_and_method(curl: Curl) -> None:
    async with running("apache") as (_, port, _events):
        out = await raw(port, b"GET /x HTTP/1.0\r\nHost: <script>\r\n\r\n")
        out2 = await raw(port, b'GET /x HTTP/1.1\r\nHost: a"onmouseover=1\r\n\r\n')
    assert b"<script>" not in out and split_response(out)[0] == "HTTP/1.1 400 Bad Request"
    assert b'"onmouseover' not in split_response(out2)[2]


async def test_iis_default_and_error_pages(curl: Curl) -> None:
    async with running("iis") as (_, port, _events):
        _, index = await curl("-i", f"http://127.0.0.1:{port}/")
        _, out404 = await curl("-i", f"http://127.0.0.1:{port}/nothing.aspx")
        _, out405 = await curl("-i", "-X", "PUT", f"http://127.0.0.1:{port}/")
        _, upper = await curl("-i", f"http://127.0.0.1:{port}/IISSTART.HTM")
        out400 = await raw(port, b"GET / HTTP/1.1\r\n\r\n")
    line, headers, body = split_response(index)
    assert line == "HTTP/1.1 200 OK"
    assert [k for k, _ in headers] == [
        "Content-Type",
        "Last-Modified",
        "Accept-Ranges",
        "ETag",
        "Server",
        "X-Powered-By",
        "Date",
        "Content-Length",
    ]
    assert _header(headers, "Server") == "Microsoft-IIS/10.0"
    assert _header(headers, "X-Powered-By") == "ASP.NET"
    assert len(body) == 703 and b"<title>IIS Windows Server</title>" in body
    line, headers, body = split_response(out404)
    assert line == "HTTP/1.1 404 Not Found" and len(body) == 1245
    assert b"<h2>404 - File or directory not found.</h2>" in body
    assert b"405 - HTTP verb used to access this page is not allowed." in out405
    assert split_response(upper)[0] == "HTTP/1.1 200 OK"
    line, headers, body = split_response(out400)
    assert line == "HTTP/1.1 400 Bad Request"
    assert _header(headers, "Server") == "Microsoft-HTTPAPI/2.0"
    assert b"Bad Request - Invalid Hostname" in body


async def test_server_header_override_picks_flavour(curl: Curl) -> None:
    async with running("iis", server_header="Apache/2.4.41 (Ubuntu)") as (_, port, _events):
        _, out = await curl("-i", f"http://127.0.0.1:{port}/missing")
    _, headers, body = split_response(out)
    assert _header(headers, "Server") == "Apache/2.4.41 (Ubuntu)"
    assert _header(headers, "X-Powered-By") is None
    assert b"<address>Apache/2.4.41 (Ubuntu) Server at 127.0.0.1 Port" in body


@pytest.mark.parametrize("flavour", ["nginx", "apache", "iis"])
async def test_no_python_giveaway(curl: Curl, flavour: str) -> None:
    requests = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"HEAD / HTTP/1.0\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n",
        b"get / http/1.1\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET /\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(64)),
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n",
    ]
    async with running(flavour, fake_app="wordpress") as (_, port, _events):
        outs = [await raw(port, r, read_timeout=2) for r in requests]
        _, verbose = await curl("-v", f"http://127.0.0.1:{port}/xmlrpc.php")
    for request, out in zip(requests, outs, strict=True):
        assert out, request
        lowered = out.lower()
        for word in GIVEAWAYS:
            assert word not in lowered, (request, out[:300])
    assert b"python" not in verbose.lower()
