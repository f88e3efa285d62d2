"""Property tests of the REST API from its OpenAPI schema (schemathesis): no 5xx, responses conform.

Every operation gets up to 20 generated requests as admin against a live server (the stream,
which never ends, is left out; its refusals are in test_rbac.py and its data in test_stream.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from decnet.web.app import create_app
from tests.decnet.web.conftest import ADMIN_PASSWORD, FakeOperator, make_settings
from tests.decnet.web.liveserver import LiveServer, live

SKIP = {("GET", "/api/v1/stream")}
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    app = create_app(make_settings(tmp_path), fleet_operator=FakeOperator(), login_max_failures=100_000)
    with live(app) as srv:
        yield srv


def _token(url: str) -> str:
    response = httpx.post(f"{url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


#: Operations that end the token they are sent with (each of their cases gets a fresh one).
TOKEN_ENDING = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/change-password")}


def test_every_operation_conforms(server: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    shared = {"Authorization": f"Bearer {_token(server.url)}"}
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            headers = shared
            if (case.method.upper(), case.path) in TOKEN_ENDING:
                headers = {"Authorization": f"Bearer {_token(server.url)}"}
            case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS, timeout=20)

        check()
    assert tested >= 15
