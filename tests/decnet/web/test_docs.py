"""docs/api.md stays true to the app: its route table, deploy fields and create_app parameters."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from decnet.web.app import create_app
from decnet.web.schemas import DeployRequest
from tests.decnet.web.conftest import make_settings

API = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text("utf-8")


def test_route_table_lists_every_route(tmp_path: Path) -> None:
    documented = set(re.findall(r"^\| (GET|POST|PATCH|DELETE) \| `(/api/v1/[^`]+)` \|", API, re.MULTILINE))
    schema = create_app(make_settings(tmp_path)).openapi()
    actual = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert documented == actual
    for method, path in actual:
        assert f"`{method} {path}`" in API or path.startswith("/api/v1/auth/"), (method, path)


def test_deploy_fields_are_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", API, re.MULTILINE))
    assert set(DeployRequest.model_fields) - {"ini"} <= documented
    assert "`ini`" in API


def test_create_app_parameters_are_documented() -> None:
    for name in inspect.signature(create_app).parameters:
        if name != "settings":
            assert f"    {name}=" in API, name
