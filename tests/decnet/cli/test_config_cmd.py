"""``decnet config show``: table and JSON, secrets masked, config errors as one red line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decnet.cli import app
from decnet.config import Settings, get_settings

JWT = "0123456789abcdef0123456789abcdef-jwt"
WIDE = {"COLUMNS": "250"}
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECNET_JWT_SECRET", JWT)
    monkeypatch.setenv("DECNET_ADMIN_PASSWORD", "hunter2-admin")
    monkeypatch.setenv("DECNET_DB_URL", "mysql+asyncmy://decnet:db-pa55@db:3306/decnet")
    monkeypatch.setenv("DECNET_DB_TYPE", "mysql")


def assert_no_secret(text: str) -> None:
    for secret in (JWT, "hunter2-admin", "db-pa55"):
        assert secret not in text


@pytest.mark.usefixtures("secrets")
def test_show_table_masks_secrets(runner: CliRunner) -> None:
    result = runner.invoke(app, ["config", "show"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert_no_secret(result.output)
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") == 5}
    assert set(lines) == set(Settings.model_fields)
    assert "DECNET_JWT_SECRET" in lines["jwt_secret"] and "********" in lines["jwt_secret"]
    assert "env" in lines["jwt_secret"]
    assert "mysql+asyncmy://decnet:********@db:3306/decnet" in lines["db_url"]
    assert "default" in lines["web_port"] and "8000" in lines["web_port"]
    assert "host INI: none" in result.output


@pytest.mark.usefixtures("secrets")
def test_show_json_masks_secrets(runner: CliRunner, tmp_path: Path) -> None:
    ini = tmp_path / "decnet.ini"
    ini.write_text("[decnet]\nweb_port = 9443\nadmin_password = from-ini-only\n")
    result = runner.invoke(app, ["--config", str(ini), "config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert_no_secret(result.stdout)
    assert "from-ini-only" not in result.stdout
    doc = json.loads(result.stdout)
    assert doc["config_file"] == str(ini)
    rows = doc["settings"]
    assert list(rows) == list(Settings.model_fields)
    assert rows["jwt_secret"] == {"env_var": "DECNET_JWT_SECRET", "value": "********", "source": "env"}
    assert rows["admin_password"]["value"] == "********" and rows["admin_password"]["source"] == "env"
    assert rows["db_url"]["value"] == "mysql+asyncmy://decnet:********@db:3306/decnet"
    assert rows["web_port"] == {"env_var": "DECNET_WEB_PORT", "value": 9443, "source": "ini"}
    assert rows["db_pool_size"]["source"] == "default"
    assert rows["ingest_tls_cert"]["value"] is None
    assert get_settings().web_port == 9443  # --config also feeds the process-wide settings


def test_decnet_config_env_names_the_ini(runner: CliRunner, tmp_path: Path) -> None:
    ini = tmp_path / "env.ini"
    ini.write_text("[decnet]\nlog_level = debug\n")
    result = runner.invoke(app, ["config", "show", "--json"], env={"DECNET_CONFIG": str(ini)})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["config_file"] == str(ini)
    assert doc["settings"]["log_level"] == {"env_var": "DECNET_LOG_LEVEL", "value": "DEBUG", "source": "ini"}


@pytest.mark.parametrize("as_json", [False, True])
def test_invalid_env_value_is_one_red_line_exit_2(runner: CliRunner, as_json: bool) -> None:
    args = ["config", "show"] + (["--json"] if as_json else [])
    result = runner.invoke(app, args, env={"DECNET_DB_TYPE": "oracle"})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr == "error: DECNET_DB_TYPE: invalid value 'oracle'; expected one of 'sqlite', 'mysql'\n"
    )
    assert "Traceback" not in result.output


def test_unknown_ini_key_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    ini = tmp_path / "bad.ini"
    ini.write_text("[decnet]\nwebport = 1\n")
    result = runner.invoke(app, ["--config", str(ini), "config", "show"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == f"error: {ini} [decnet] webport: unknown setting; did you mean 'web_port'?"
    )


def test_missing_config_file_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--config", str(tmp_path / "nope.ini"), "config", "show"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --config: config file ")
    assert len(result.stderr.splitlines()) == 1


def test_help_and_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"], env=WIDE)
    assert result.exit_code == 0 and "--config" in result.output and "config" in result.output
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("decnet ")


def test_console_entry_point_in_a_fresh_process(tmp_path: Path) -> None:
    """``python -m decnet.cli`` (what the ``decnet`` script runs): red line, exit 2, no heavy imports."""
    ini = tmp_path / "empty.ini"
    ini.write_text("[decnet]\n")
    env = {"PATH": "/usr/bin:/bin", "DECNET_WEB_PORT": "http", "DECNET_CONFIG": str(ini)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
        )

    proc = run("-m", "decnet.cli", "config", "show")
    assert proc.returncode == 2
    assert (
        proc.stderr == "error: DECNET_WEB_PORT: invalid value 'http'; expected an integer >= 1 and <= 65535\n"
    )
    code = "import sys, decnet.cli; print(sorted({m.split('.')[0] for m in sys.modules} & {'ray', 'sqlalchemy'}))"
    out = run("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
