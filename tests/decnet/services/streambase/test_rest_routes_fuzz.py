"""The REST personas' routers answer any method, path, query and body without raising."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.docker_api import DockerService
from decnet.services.elasticsearch import ElasticsearchService
from decnet.services.http.parser import Request
from decnet.services.k8s import K8sService
from decnet.services.restapi import RestService
from tests.decnet.services.streambase.helpers import FakeSession, service

SERVICES: list[RestService] = [
    service(ElasticsearchService)[0],
    service(ElasticsearchService, require_auth=True, users="a:b")[0],
    service(K8sService)[0],
    service(DockerService)[0],
]
_SEGMENTS = st.lists(
    st.sampled_from(["api", "v1", "v1.43", "namespaces", "default", "pods", "secrets", "_cat", "indices", "_search",
                     "containers", "json", "create", "exec", "start", "images", "customers", "x", "", "_nodes"])
    | st.text(max_size=8),
    max_size=6,
)  # fmt: skip


@settings(max_examples=250, deadline=None)
@given(
    st.integers(0, len(SERVICES) - 1),
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"]),
    _SEGMENTS,
    st.text(max_size=40),
    st.binary(max_size=200)
    | st.sampled_from([b'{"metadata":{"name":"x"}}', b'{"username":"u","password":"p"}', b"[]"]),
    st.sampled_from(
        [
            [],
            [("Authorization", "Basic YTpi")],
            [("Authorization", "Bearer t")],
            [("X-Registry-Auth", "e30=")],
        ]
    ),
    st.booleans(),
)
def test_routes_never_raise(
    index: int,
    method: str,
    segments: list[str],
    query: str,
    body: bytes,
    headers: list[tuple[str, str]],
    open_port: bool,
) -> None:
    svc = SERVICES[index]
    path = "/" + "/".join(segments)
    request = Request(
        method, path + ("?" + query if query else ""), "HTTP/1.1", list(headers), body, len(body), path, query
    )
    if isinstance(svc, K8sService):
        svc._open = {8080} if open_port else set()
    reply = svc.route(request, FakeSession(8080))  # type: ignore[arg-type]
    data = svc.render(reply, request)
    assert data.startswith(b"HTTP/1.1 ") and 100 <= reply.status < 600
