"""``decnet mutate`` without a constellation: recorded and applied on this host's local deckies."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import decnet.config.settings as settings_module
from decnet.cli.app import app
from decnet.config import Settings, reset_settings
from decnet.db import get_repository

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="deckies bind port 80 on 127.x (root)")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("DECNET_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(settings_module, "DEFAULT_CONFIG_PATH", tmp_path / "absent" / "decnet.ini")
    monkeypatch.setenv("DECNET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DECNET_INGEST_SOCKET", str(tmp_path / "run" / "ingest.sock"))
    monkeypatch.setenv("DECNET_LOG_TARGET", f"file:{tmp_path / 'decnet.log'}")
    monkeypatch.setenv("DECNET_RAY_PORT", "6431")  # nothing listens there: no constellation
    monkeypatch.setenv("RAY_AUTH_MODE", "token")  # the CLI sets it; undone after the test (later ray.init)
    reset_settings()
    yield tmp_path
    reset_settings()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


async def _mutations(data: Path) -> list[tuple[str, list[str], list[str], str]]:
    repo = get_repository(Settings(data_dir=data))
    await repo.initialize()
    try:
        return [(m.decky, m.old_services, m.new_services, m.trigger) for m in await repo.list_mutations()]
    finally:
        await repo.close()


def test_mutate_a_decky_and_refuse_bad_arguments(env: Path) -> None:
    assert _run("mutate")[0] == 2
    assert _run("mutate", "--all", "--watch")[0] == 2
    code, out = _run(
        "deploy", "--backend", "local", "--subnet", "127.83.0.0/24", "-n", "1", "--services", "http",
        "-a", "web-server", "--seed", "91" * 32, "--mutate-interval", "5",
    )  # fmt: skip
    assert code == 0, out
    try:
        code, out = _run("mutate", "--decky", "nosuch")
        assert code == 2 and "no running decky named nosuch" in out
        code, out = _run("mutate", "--decky", "decky-01")
        assert code == 0, out
        assert "decky-01" in out and "http" in out
        ((decky, old, new, trigger),) = asyncio.run(_mutations(env / "data"))
        assert (decky, old, trigger) == ("decky-01", ["http"], "operator")
        assert set(new) != {"http"}
        runtime = (env / "data" / "deckies" / "decky-01" / "runtime.json").read_text()
        assert all(f'"{slug}": {{' in runtime for slug in new)
        code, out = _run("status", "--backend", "local", "--json")
        assert code == 0 and '"state": "running"' in out and ",".join(new) in out
    finally:
        assert _run("teardown", "--all", "--backend", "local")[0] == 0
