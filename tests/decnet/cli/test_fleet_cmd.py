"""``decnet deploy | teardown | status | services | distros | archetypes`` through the CLI."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decnet.cli.app import app

SEED = "33" * 32


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DECNET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DECNET_INGEST_SOCKET", str(tmp_path / "run" / "ingest.sock"))
    monkeypatch.delenv("DECNET_CONFIG", raising=False)
    # No constellation on this port: deploy drives the backend directly (the agents' path is
    # tested in tests/cluster/test_cli_constellation.py).
    monkeypatch.setenv("DECNET_RAY_PORT", "6398")
    monkeypatch.delenv("DECNET_RAY_ADDRESS", raising=False)
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("command", "expected"),
    [("services", "ssh"), ("distros", "ubuntu22"), ("archetypes", "domain-controller")],
)
def test_catalog_listings(command: str, expected: str) -> None:
    code, out = _run(command)
    assert code == 0, out
    assert expected in out


def test_dry_run_prints_the_plan_and_changes_nothing(env: Path) -> None:
    code, out = _run(
        "deploy",
        "--backend",
        "netns",
        "-i",
        "eth-none",
        "--subnet",
        "10.44.0.0/24",
        "-n",
        "2",
        "--services",
        "ssh,http",
        "--seed",
        SEED,
        "--dry-run",
    )
    assert code == 0, out
    plan = json.loads(out)
    assert [d["name"] for d in plan["deckies"]] == ["decky-01", "decky-02"]
    netns = plan["deckies"][0]["netns"]
    assert netns["netns"] == "decnet-decky-01" and netns["sysctls"]["net.ipv4.ip_default_ttl"] == 64
    assert plan["deckies"][0]["persona"]["ssh_banner"].startswith("SSH-2.0-OpenSSH_")
    assert not (env / "data" / "deckies").exists()
    docker_plan = json.loads(
        _run(
            "deploy",
            "--backend",
            "docker",
            "-i",
            "eth-none",
            "--subnet",
            "10.44.0.0/24",
            "-a",
            "windows-workstation",
            "-n",
            "1",
            "--seed",
            SEED,
            "--dry-run",
        )[1]
    )
    container = docker_plan["deckies"][0]["docker"]
    assert container["cap_drop"] == ["ALL"] and container["read_only"] is True
    assert container["sysctls"]["net.ipv4.ip_default_ttl"] == 128


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "netns", "--services", "http"], "--subnet is required"),
        (["--backend", "vmware", "--services", "http"], "expected docker, netns or local"),
        (["--backend", "local", "--services", "telnetx"], "telnetx"),
        (["--backend", "local", "--subnet", "10.1.0.0/24", "--services", "http"], "127.0.0.0/8"),
    ],
)
def test_bad_deploy_input_is_a_clear_error(env: Path, args: list[str], message: str) -> None:
    code, out = _run("deploy", *args)
    assert code == 2, out
    assert message in out
    assert "Traceback" not in out


def test_ini_errors_name_file_section_and_key(env: Path) -> None:
    ini = env / "fleet.ini"
    ini.write_text(
        "[general]\nnet = 10.9.0.0/24\ngw = 10.9.0.1\n\n[decky-01]\nip = 10.9.0.300\nservices = ssh\n"
    )
    code, out = _run("deploy", "--backend", "local", "-c", str(ini), "--dry-run")
    assert code == 2
    assert "fleet.ini [decky-01] ip" in out


@pytest.mark.skipif(os.geteuid() != 0, reason="binding port 80 on 127.77.x needs root")
def test_local_deploy_status_teardown(env: Path) -> None:
    code, out = _run("deploy", "--backend", "local", "-n", "2", "--services", "http", "--seed", SEED)
    assert code == 0, out
    try:
        code, out = _run("status", "--backend", "local", "--json")
        rows = json.loads(out)
        assert [r["state"] for r in rows] == ["running", "running"]
        assert all(r["services"] == "http" and r["mac"] != "-" for r in rows)
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection((rows[0]["ip"], 80), timeout=1) as conn:
                    conn.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
                    assert conn.recv(100).startswith(b"HTTP/1.1 200")
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        code, out = _run("teardown", "--backend", "local", "--all")
    assert code == 0, out
    assert "removed 2 deckies" in out
    assert json.loads(_run("status", "--backend", "local", "--json")[1]) == []


def test_teardown_needs_all_or_id(env: Path) -> None:
    code, out = _run("teardown", "--backend", "local")
    assert code == 2 and "--all or --id" in out


@pytest.mark.skipif(os.geteuid() != 0, reason="binding port 80 on 127.77.x needs root")
def test_addresses_and_names_of_deployed_deckies_are_not_reused(env: Path) -> None:
    code, out = _run("deploy", "--backend", "local", "-n", "1", "--services", "http", "--seed", SEED)
    assert code == 0, out
    try:
        first_ip = json.loads(_run("status", "--backend", "local", "--json")[1])[0]["ip"]
        code, out = _run("deploy", "--backend", "local", "-n", "1", "--services", "http", "--seed", SEED)
        assert code == 2 and "already exist" in out
        plan = json.loads(
            _run(
                "deploy", "--backend", "local", "-n", "2", "--services", "http", "--seed", SEED, "--dry-run"
            )[1]
        )
        assert first_ip not in [d["ip"] for d in plan["deckies"]]
    finally:
        _run("teardown", "--backend", "local", "--all")
