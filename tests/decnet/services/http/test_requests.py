"""Request, auth, connect and disconnect events; HTTP/1.x framing (keep-alive, chunked, HEAD, 0.9)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from .conftest import raw, running, split_response

Curl = Callable[..., Any]


async def test_request_event_has_headers_in_order(curl: Curl) -> None:
    async with running("nginx") as (_, port, events):
        await curl(
            "-H",
            "X-Zeta: 1",
            "-H",
            "Accept-Language: de",
            "-H",
            "X-Alpha: \t2",
            "-A",
            "Mozilla/5.0 (compatible; Nmap Scripting Engine)",
            f"http://127.0.0.1:{port}/cgi-bin/test.cgi?cmd=id&x=%0a",
        )
        (request,) = await events.wait("request")
        await events.wait("disconnect")
    fields = request.fields
    assert fields["method"] == "GET" and fields["status"] == "404"
    assert fields["path"] == "/cgi-bin/test.cgi" and fields["query"] == "cmd=id&x=%0a"
    assert fields["user_agent"] == "Mozilla/5.0 (compatible; Nmap Scripting Engine)"
    assert fields["host"] == f"127.0.0.1:{port}"
    names = [name for name, _ in json.loads(fields["headers"])]
    assert names == ["Host", "User-Agent", "Accept", "X-Zeta", "Accept-Language", "X-Alpha"]
    assert ["X-Alpha", "2"] in json.loads(fields["headers"])
    connect, disconnect = events.of("connect")[0], events.of("disconnect")[0]
    assert connect.sid == request.sid == disconnect.sid and connect.sid
    assert connect.src_ip == "127.0.0.1" and connect.src_port
    assert disconnect.fields["requests"] == "1"


async def test_basic_and_bearer_credentials(curl: Curl) -> None:
    async with running("iis", basic_auth_paths="/admin, /manager/html", basic_auth_realm="Tomcat") as (
        _,
        port,
        events,
    ):
        _, challenge = await curl("-i", "-u", "tomcat:s3cret:colon", f"http://127.0.0.1:{port}/manager/html")
        await curl("-H", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", f"http://127.0.0.1:{port}/api")
        bad = "Basic !!notbase64"
        await raw(
            port, f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: {bad}\r\nConnection: close\r\n\r\n".encode()
        )
        auths = await events.wait("auth", 3)
    line, headers, _ = split_response(challenge)
    assert line == "HTTP/1.1 401 Unauthorized"
    assert dict(headers)["WWW-Authenticate"] == 'Basic realm="Tomcat"'
    basic, bearer, garbage = (a.fields for a in auths)
    assert (basic["method"], basic["username"], basic["password"]) == ("basic", "tomcat", "s3cret:colon")
    assert basic["path"] == "/manager/html" and basic["result"] == "failure"
    assert (bearer["method"], bearer["token"]) == ("bearer", "eyJhbGciOiJIUzI1NiJ9.e30.x")
    assert garbage["method"] == "basic" and garbage["token"] == "!!notbase64"


async def test_generic_form_and_json_logins() -> None:
    form = b"username=ops&password=p%C3%A4ss&remember=1"
    body_json = json.dumps({"login": "svc", "passwd": "x\u2028y", "n": [1]}).encode()
    async with running("nginx") as (_, port, events):
        await raw(
            port,
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(form), form),
        )
        await raw(
            port,
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body_json), body_json),
        )
        auths = await events.wait("auth", 2)
    assert (auths[0].fields["username"], auths[0].fields["password"]) == ("ops", "päss")
    assert auths[1].fields["method"] == "json"
    assert (auths[1].fields["username"], auths[1].fields["password"]) == ("svc", "x\\u2028y")


async def test_body_is_bounded_and_escaped() -> None:
    body = b"\x00\x01\xff" + b"\\" + b"\r\n" + b"A" * 5000
    async with running("nginx", log_body_bytes=64) as (_, port, events):
        await raw(
            port, b"PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        (request,) = await events.wait("request")
    fields = request.fields
    assert fields["body"].startswith("\\x00\\x01\\xff\\\\\\r\\n" + "A")
    assert len(fields["body"]) <= 64 and fields["truncated"] == "body"
    assert fields["body_bytes"] == str(len(body)) and fields["status"] == "405"


async def test_keep_alive_pipelining_and_head() -> None:
    pipeline = (
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    async with running("nginx") as (_, port, events):
        reader_out = await _read_all(port, pipeline)
        await events.wait("disconnect")
    assert reader_out.count(b"HTTP/1.1 200 OK") == 2 and reader_out.count(b"HTTP/1.1 404 Not Found") == 1
    assert reader_out.count(b"<title>Welcome to nginx!</title>") == 1  # HEAD has no body
    assert reader_out.count(b"Connection: keep-alive") == 2 and reader_out.count(b"Connection: close") == 1
    assert len({e.sid for e in events.of("request")}) == 1 and len(events.of("request")) == 3
    assert events.of("disconnect")[0].fields["requests"] == "3"


async def _read_all(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    out = await asyncio.wait_for(reader.read(-1), 5)
    writer.close()
    return out


async def test_request_cap_closes_connection() -> None:
    async with running("apache", max_requests_per_connection=2) as (_, port, _events):
        out = await _read_all(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
    assert out.count(b"HTTP/1.1 200 OK") == 2
    assert b"Keep-Alive: timeout=5, max=2\r\nConnection: Keep-Alive" in out
    assert out.rstrip().endswith(b"</html>") and b"Connection: close" in out


async def test_http10_and_http09() -> None:
    async with running("nginx") as (_, port, events):
        out10 = await _read_all(port, b"GET / HTTP/1.0\r\n\r\n")
        out09 = await _read_all(port, b"GET /\r\n")
        await events.wait("request", 2)
    assert out10.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in out10
    assert out09.startswith(b"<!DOCTYPE html>") and b"HTTP/1.1" not in out09
    assert events.of("request")[1].fields["version"] == "HTTP/0.9"


async def test_chunked_body_and_expect_continue(curl: Curl) -> None:
    async with running("apache") as (_, port, events):
        chunked = await _read_all(
            port,
            b"POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
            b"7;ext=1\r\nuser=ro\r\n9\r\not&pass=x\r\n0\r\nX-Trailer: y\r\n\r\n",
        )
        big = "password=" + "z" * 3000 + "&user=u"
        code, _ = await curl("-H", "Expect: 100-continue", "-d", big, f"http://127.0.0.1:{port}/form")
        auths = await events.wait("auth", 2)
    assert chunked.startswith(b"HTTP/1.1 404 Not Found")
    assert (auths[0].fields["username"], auths[0].fields["password"]) == ("root", "x")
    assert code == 0 and auths[1].fields["username"] == "u"
    assert auths[1].fields["password"] == "z" * 512 or len(auths[1].fields["password"]) <= 512


async def test_wire_text_is_logged_as_utf8_with_escapes() -> None:
    async with running("nginx") as (_, port, events):
        await raw(
            port,
            b"GET /caf\xc3\xa9/\xff?q=\xe2\x82\xac HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x01b\xc3\xa9\r\n"
            b"Connection: close\r\n\r\n",
        )
        (request,) = await events.wait("request")
    assert request.fields["path"] == "/café/\\xff"
    assert request.fields["query"] == "q=€"
    assert request.fields["user_agent"] == "a\\x01bé"
    assert ["User-Agent", "a\\x01bé"] in json.loads(request.fields["headers"])
