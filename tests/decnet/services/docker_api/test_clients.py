"""The docker CLI, curl and nmap against the docker_api service."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import docker

from decnet.services.docker_api import DockerService
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
    code, out, err = await run(need("curl"), "-s", "-k", "-i", "--max-time", "5", *args)
    assert code == 0, err
    head, _, body = out.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


async def test_recon_with_curl(tmp_path: Path) -> None:
    who = persona("ubuntu22", docker="24.0.5")
    async with running(DockerService, who=who, state_dir=tmp_path) as (_, [port, tls], events):
        head, body = await _curl(f"http://127.0.0.1:{port}/_ping")
        lines = head.split("\r\n")
        assert lines[0] == "HTTP/1.1 200 OK" and body == b"OK"
        names = [line.split(":")[0] for line in lines[1:]]
        assert names == [
            "Api-Version", "Builder-Version", "Cache-Control", "Content-Type", "Docker-Experimental",
            "Ostype", "Pragma", "Server", "Date", "Content-Length",
        ]  # fmt: skip
        assert "Api-Version: 1.43" in lines
        assert (
            "Server: Docker/24.0.5 (linux)" in lines
            and "Ostype: linux" in lines
            and "Docker-Experimental: false" in lines
        )
        _, body = await _curl(f"https://127.0.0.1:{tls}/v1.43/version")
        version = json.loads(body)
        assert (
            version["Version"] == "24.0.5"
            and version["ApiVersion"] == "1.43"
            and version["KernelVersion"] == who.kernel
        )
        _, body = await _curl(f"http://127.0.0.1:{port}/containers/json")
        assert [c["Names"] for c in json.loads(body)] == [["/web"], ["/db"]]
        _, body = await _curl(f"http://127.0.0.1:{port}/info")
        assert json.loads(body)["OperatingSystem"] == who.distro_name
        head, body = await _curl(f"http://127.0.0.1:{port}/nope")
        assert (
            head.startswith("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nDate: ")
            and body == b'{"message":"page not found"}\n'
        )
        spec = '{"Image":"alpine","Cmd":["chroot","/host","sh"],"HostConfig":{"Binds":["/:/host"],"Privileged":true}}'
        head, body = await _curl(
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-d",
            spec,
            f"http://127.0.0.1:{port}/v1.43/containers/create",
        )
        assert head.startswith("HTTP/1.1 201 Created") and len(json.loads(body)["Id"]) == 64
        creds = base64.urlsafe_b64encode(
            json.dumps({"username": "ci", "password": "hunter2"}).encode()
        ).decode()
        await _curl(
            "-X",
            "POST",
            "-H",
            f"X-Registry-Auth: {creds}",
            f"http://127.0.0.1:{port}/images/create?fromImage=alpine&tag=3.19",
        )
        head, _ = await _curl(
            "-X", "POST", "-d", '{"username":"admin","password":"dockerpw"}', f"http://127.0.0.1:{port}/auth"
        )
        assert head.startswith("HTTP/1.1 401")
        await events.wait("disconnect", 8)
    create = [r for r in events.of("request") if r.fields["path"] == "/v1.43/containers/create"]
    assert create and '"Privileged":true' in create[0].fields["body"]
    auth = [(a.fields["username"], a.fields["password"], a.fields["method"]) for a in events.of("auth")]
    assert auth == [("ci", "hunter2", "x_registry_auth"), ("admin", "dockerpw", "docker_auth")]


def _sdk_calls(port: int) -> tuple[dict[str, object], list[tuple[str, str]]]:
    client = docker.DockerClient(base_url=f"tcp://127.0.0.1:{port}", version="auto", timeout=5)
    try:
        version = client.version()
        containers = [(c.name, c.attrs["Config"]["Image"]) for c in client.containers.list()]
    finally:
        client.close()
    return version, containers


async def test_docker_sdk_client() -> None:
    who = persona("debian", docker="20.10.24")
    async with running(DockerService, who=who) as (_, [port, _tls], events):
        version, containers = await asyncio.to_thread(_sdk_calls, port)
        await events.wait("disconnect")
    assert (version["Version"], version["ApiVersion"]) == ("20.10.24", "1.41")
    assert containers == [("web", "nginx:1.25"), ("db", "postgres:15")]
    paths = [r.fields["path"] for r in events.of("request")]
    assert "/version" in paths and "/v1.41/containers/json" in paths
    assert any("docker-sdk-python" in r.fields["user_agent"] for r in events.of("request"))


async def test_nmap_identifies_docker(tmp_path: Path) -> None:
    async with running(DockerService, who=persona("ubuntu22", docker="24.0.5"), state_dir=tmp_path) as (
        _,
        [port, _tls],
        _e,
    ):
        line = await nmap_sv(port, 2375, tmp_path)
    assert "docker  Docker 24.0.5 (API 1.43)" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_hostile_bytes(tmp_path: Path) -> None:
    async with running(DockerService, state_dir=tmp_path, idle_timeout=1.0, header_timeout=1.0) as (
        _,
        [port, tls],
        events,
    ):
        out = await exchange(port, b"\x16\x03\x01\x00\x05hello\r\n\r\n", read_timeout=1)
        assert (
            out
            == b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
        )
        await hostile(port)
        await hostile(tls)
        await asyncio.sleep(0.3)
        assert (await exchange(port, b"GET /_ping HTTP/1.0\r\n\r\n", read_timeout=1)).endswith(b"\r\n\r\nOK")
    assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
