"""curl and nmap against the elasticsearch service."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from decnet.services.elasticsearch import ElasticsearchService
from tests.decnet.services.streambase.helpers import (
    GIVEAWAYS,
    exchange,
    hostile,
    need,
    nmap_sv,
    persona,
    run,
    running,
)


async def _curl(*args: str) -> tuple[str, bytes]:
    code, out, err = await run(need("curl"), "-s", "-i", "--max-time", "5", *args)
    assert code == 0, err
    head, _, body = out.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


async def test_recon_endpoints() -> None:
    async with running(ElasticsearchService, who=persona("debian"), version="7.10.2") as (
        svc,
        [port],
        events,
    ):
        base = f"http://127.0.0.1:{port}"
        head, body = await _curl(base + "/")
        assert head.startswith(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: "
        )
        assert b'  "cluster_name" : "elasticsearch",\n' in body and body.endswith(
            b'"You Know, for Search"\n}\n'
        )
        root = json.loads(body)
        assert root["version"]["number"] == "7.10.2" and root["version"]["lucene_version"] == "8.7.0"
        assert root["name"] == svc.persona.hostname
        _, body = await _curl(base + "/_cat/indices?v")
        lines = body.decode().splitlines()
        assert lines[0].split()[:3] == ["health", "status", "index"] and any(
            " customers " in ln for ln in lines
        )
        _, body = await _curl(base + "/_cluster/health")
        assert json.loads(body)["status"] == "yellow"
        _, body = await _curl(base + "/_nodes")
        node = next(iter(json.loads(body)["nodes"].values()))
        assert node["os"]["pretty_name"] == svc.persona.distro_name
        head, body = await _curl(base + "/nope/_search")
        assert (
            head.startswith("HTTP/1.1 404")
            and json.loads(body)["error"]["type"] == "index_not_found_exception"
        )
        head, _ = await _curl(
            "-X", "PUT", base + "/pwned", "-H", "Content-Type: application/json", "-d", '{"a":1}'
        )
        assert head.startswith("HTTP/1.1 200")
        await events.wait("disconnect", 6)
    requests = events.of("request")
    assert [r.fields["path"] for r in requests] == [
        "/",
        "/_cat/indices",
        "/_cluster/health",
        "/_nodes",
        "/nope/_search",
        "/pwned",
    ]
    assert requests[-1].fields["method"] == "PUT" and requests[-1].fields["body"] == '{"a":1}'
    assert "curl/" in requests[0].fields["user_agent"]


async def test_security_on_basic_auth() -> None:
    async with running(ElasticsearchService, require_auth=True, users="elastic:changeme") as (
        _,
        [port],
        events,
    ):
        base = f"http://127.0.0.1:{port}"
        head, body = await _curl(base + "/")
        assert head.startswith(
            'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="security" charset="UTF-8"'
        )
        assert "missing authentication credentials for REST request [/]" in body.decode()
        head, body = await _curl("-u", "elastic:wrong", base + "/_cat/indices")
        assert "unable to authenticate user [elastic]" in body.decode()
        head, _ = await _curl("-u", "elastic:changeme", base + "/")
        assert head.startswith("HTTP/1.1 200")
        await events.wait("disconnect", 3)
    auth = events.of("auth")
    assert [(a.fields["username"], a.fields["password"], a.fields["result"]) for a in auth] == [
        ("elastic", "wrong", "failure"),
        ("elastic", "changeme", "success"),
    ]
    assert auth[0].fields["method"] == "basic" and auth[0].fields["secret_kind"] == "plaintext"


async def test_nmap_identifies_elasticsearch(tmp_path: Path) -> None:
    async with running(ElasticsearchService, version="7.10.2") as (_, [port], _events):
        line = await nmap_sv(port, 9200, tmp_path)
    assert "Elasticsearch REST API 7.10.2" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_hostile_bytes() -> None:
    async with running(ElasticsearchService, idle_timeout=1.0, header_timeout=1.0) as (_, [port], events):
        out = await exchange(
            port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", read_timeout=1
        )
        assert out.startswith(b"HTTP/1.1 4")
        await hostile(port)
        await asyncio.sleep(0.3)
        assert (await exchange(port, b"GET / HTTP/1.0\r\n\r\n", read_timeout=1)).startswith(
            b"HTTP/1.0 200 OK"
        )
    assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
