"""curl and nmap against the k8s service (TLS 6443, open 8080)."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

from decnet.services.k8s import K8sService
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


async def test_secure_port_anonymous_recon(tmp_path: Path) -> None:
    async with running(K8sService, who=persona("ubuntu22"), state_dir=tmp_path, version="v1.28.5") as (
        _,
        [tls, _open],
        events,
    ):
        base = f"https://127.0.0.1:{tls}"
        head, body = await _curl(base + "/version")
        assert head.startswith("HTTP/1.1 200 OK\r\nAudit-Id: ")
        assert json.loads(body)["gitVersion"] == "v1.28.5" and body.startswith(b'{\n  "major": "1",')
        head, body = await _curl(base + "/api/v1/pods")
        assert head.startswith("HTTP/1.1 403 Forbidden")
        assert json.loads(body) == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope',
            "reason": "Forbidden",
            "details": {"kind": "pods"},
            "code": 403,
        }
        _, body = await _curl(base + "/api/v1/namespaces/kube-system/secrets")
        assert (
            'cannot list resource "secrets" in API group "" in the namespace "kube-system"'
            in json.loads(body)["message"]
        )
        head, body = await _curl(
            "-H", "Authorization: Bearer eyJhbGciOi.stolen.token", base + "/api/v1/secrets"
        )
        assert head.startswith("HTTP/1.1 401 Unauthorized") and json.loads(body)["reason"] == "Unauthorized"
        headers = [line.split(":")[0] for line in head.split("\r\n")[1:]]
        assert headers == ["Audit-Id", "Cache-Control", "Content-Type", "Date", "Content-Length"]
        await events.wait("disconnect", 4)
    [auth] = events.of("auth")
    assert auth.fields["secret_kind"] == "token" and auth.fields["secret"] == "eyJhbGciOi.stolen.token"
    assert auth.fields["method"] == "bearer"
    assert events.of("request")[0].fields["tls_version"].startswith("TLS")


async def test_open_port_lists_and_logs_writes(tmp_path: Path) -> None:
    async with running(K8sService, state_dir=tmp_path) as (_, [_tls, port], events):
        base = f"http://127.0.0.1:{port}"
        _, body = await _curl(base + "/api/v1/namespaces")
        assert "production" in [i["metadata"]["name"] for i in json.loads(body)["items"]]
        _, body = await _curl(base + "/api/v1/namespaces/production/secrets")
        secrets = {i["metadata"]["name"]: i for i in json.loads(body)["items"]}
        token = base64.b64decode(
            secrets[next(n for n in secrets if n.startswith("default-token-"))]["data"]["token"]
        )
        assert token.count(b".") == 2 and "db-credentials" in secrets
        _, body = await _curl(base + "/api/v1/pods")
        assert any(p["metadata"]["name"].startswith("kube-apiserver-") for p in json.loads(body)["items"])
        pod = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"miner"},"spec":{"hostPID":true}}'
        head, body = await _curl(
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-d",
            pod,
            base + "/api/v1/namespaces/default/pods",
        )
        assert head.startswith("HTTP/1.1 201 Created") and json.loads(body)["metadata"]["name"] == "miner"
        head, body = await _curl(base + "/api/v1/nope")
        assert (
            head.startswith("HTTP/1.1 404")
            and json.loads(body)["message"] == "the server could not find the requested resource"
        )
        await events.wait("disconnect", 5)
    posted = [r for r in events.of("request") if r.fields["method"] == "POST"]
    assert posted and '"hostPID":true' in posted[0].fields["body"]


async def test_nmap_sees_a_go_https_api(tmp_path: Path) -> None:
    async with running(K8sService, state_dir=tmp_path) as (_, [tls, _open], _events):
        line = await nmap_sv(tls, 6443, tmp_path, "--version-light")
    assert "ssl/" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_hostile_bytes(tmp_path: Path) -> None:
    async with running(K8sService, state_dir=tmp_path, idle_timeout=1.0, header_timeout=1.0) as (
        _,
        [tls, port],
        events,
    ):
        await hostile(tls)
        await hostile(port)
        await asyncio.sleep(0.3)
        assert (await exchange(port, b"GET /version HTTP/1.0\r\n\r\n", read_timeout=1)).startswith(
            b"HTTP/1.0 200 OK"
        )
    assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
    assert events.of("tls_error")


async def test_kubectl_against_the_open_port() -> None:
    kubectl = need("kubectl")
    async with running(K8sService) as (_, [_tls, port], events):
        base = ["--server", f"http://127.0.0.1:{port}", "--request-timeout=5s"]
        code, out, err = await run(kubectl, *base, "get", "secrets", "-n", "production", "-o", "name")
        assert code == 0, err
        assert "secret/db-credentials" in out.decode().split()
        code, out, err = await run(kubectl, *base, "auth", "can-i", "--list")
        assert code == 0 and "*.*" in out.decode(), err
    paths = [r.fields["path"] for r in events.of("request")]
    assert "/api/v1/namespaces/production/secrets" in paths
    assert "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews" in paths
