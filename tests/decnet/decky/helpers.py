"""Shared pieces of the decky runtime tests: a runtime.json builder and free ports."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from decnet.decky.persona_io import persona_to_dict
from tests.decnet.services.http.conftest import make_persona


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def runtime_dict(tmp_path: Path, services: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    persona = persona_to_dict(make_persona("nginx", decky="decky-07"))
    return {
        "decky": "decky-07",
        "persona": persona,
        "bind_host": "127.0.0.1",
        "services": services,
        "target": f"unix:{tmp_path / 'ingest.sock'}",
        "spool_dir": str(tmp_path / "spool"),
        "state_dir": str(tmp_path / "state"),
        "restart_initial_delay": 0.05,
        "flush_timeout": 2.0,
        **extra,
    }


def write_runtime(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "runtime.json"
    path.write_text(json.dumps(data))
    return path
