"""runtime.json validation and the persona's JSON form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import decnet.services.builtin  # noqa: F401
from decnet.decky import (
    DeckyRuntime,
    PersonaError,
    RuntimeConfigError,
    load_runtime_config,
    persona_from_dict,
    persona_to_dict,
)
from tests.decnet.services.http.conftest import make_persona

from .helpers import runtime_dict, write_runtime


def test_persona_round_trip() -> None:
    persona = make_persona("apache")
    object.__setattr__(persona, "versions", (("mysql", "8.0.36"), ("php", "8.2.7")))
    data = persona_to_dict(persona)
    assert json.loads(json.dumps(data)) == data
    assert isinstance(data["seed"], str) and data["versions"] == {"mysql": "8.0.36", "php": "8.2.7"}
    assert persona_from_dict(json.loads(json.dumps(data))) == persona


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown.*colour"),
        ({"seed": "zz"}, "persona dict"),
        ({"cpu_count": "many"}, "cpu_count"),
        ({"booted_at": "2024-01-01T00:00:00"}, "time zone"),
    ],
)
def test_persona_errors(change: dict[str, object], message: str) -> None:
    data = {**persona_to_dict(make_persona()), **change}
    with pytest.raises(PersonaError, match=message):
        persona_from_dict(data)


def test_unknown_service_key_names_service_and_key(tmp_path: Path) -> None:
    path = write_runtime(tmp_path, runtime_dict(tmp_path, {"http": {"ports": [8080], "colour": "blue"}}))
    with pytest.raises(RuntimeConfigError, match=r"services\.http: unknown key 'colour' \(allowed: "):
        DeckyRuntime(load_runtime_config(path))


def test_unknown_service_and_top_level_errors(tmp_path: Path) -> None:
    with pytest.raises(RuntimeConfigError, match="unknown service 'gopher'"):
        DeckyRuntime(load_runtime_config(write_runtime(tmp_path, runtime_dict(tmp_path, {"gopher": {}}))))
    with pytest.raises(RuntimeConfigError, match="unknown key 'extra'"):
        load_runtime_config(write_runtime(tmp_path, runtime_dict(tmp_path, {}, extra=1)))
    with pytest.raises(RuntimeConfigError, match="target"):
        load_runtime_config(write_runtime(tmp_path, runtime_dict(tmp_path, {}, target="ftp://x")))
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(RuntimeConfigError, match="not JSON"):
        load_runtime_config(tmp_path / "bad.json")
    data = runtime_dict(tmp_path, {})
    data["persona"]["decky"] = "someone-else"
    with pytest.raises(RuntimeConfigError, match=r"persona\.decky"):
        DeckyRuntime(load_runtime_config(write_runtime(tmp_path, data)))
