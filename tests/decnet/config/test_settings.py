"""Settings: sources and precedence, validation messages, derived values, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

import decnet.config.settings as settings_module
from decnet.config import (
    ConfigError,
    Settings,
    describe_settings,
    get_settings,
    load_settings,
    reset_settings,
)


def write_ini(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


# --- precedence --------------------------------------------------------------------------


def test_defaults_without_env_or_ini() -> None:
    s = load_settings()
    assert s.db_type == "sqlite"
    assert s.ingest_socket == Path("/run/decnet/ingest.sock")
    assert s.ingest_tcp_port == 0
    assert s.event_max_bytes == 65536
    assert s.spool_disk_max_bytes == 256 * 1024 * 1024
    assert s.log_target == "stderr"
    assert s.config_file is None
    assert {s.source_of(name) for name in Settings.model_fields} == {"default"}


def test_env_beats_ini_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ini = write_ini(
        tmp_path / "decnet.ini",
        "[decnet]\ndb_type = mysql\ndb_url = mysql+asyncmy://u:p@db/decnet\nweb_port = 9000\n",
    )
    monkeypatch.setenv("DECNET_WEB_PORT", "9100")
    s = load_settings(ini)
    assert s.web_port == 9100 and s.source_of("web_port") == "env"
    assert s.db_type == "mysql" and s.source_of("db_type") == "ini"
    assert s.db_pool_size == 10 and s.source_of("db_pool_size") == "default"
    assert s.config_file == ini


def test_keyword_arguments_beat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECNET_WEB_PORT", "9100")
    s = Settings(web_port=9200)
    assert s.web_port == 9200 and s.source_of("web_port") == "init"


def test_ini_from_decnet_config_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ini = write_ini(tmp_path / "x.ini", "[decnet]\nweb_port = 9300\n")
    monkeypatch.setenv("DECNET_CONFIG", str(ini))
    s = load_settings()
    assert s.web_port == 9300 and s.config_file == ini


def test_explicit_path_beats_decnet_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECNET_CONFIG", str(write_ini(tmp_path / "a.ini", "[decnet]\nweb_port = 1111\n")))
    s = load_settings(write_ini(tmp_path / "b.ini", "[decnet]\nweb_port = 2222\n"))
    assert s.web_port == 2222


def test_default_host_ini_read_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ini = write_ini(tmp_path / "etc.ini", "[decnet]\nlog_level = debug\n")
    monkeypatch.setattr(settings_module, "DEFAULT_CONFIG_PATH", ini)
    s = load_settings()
    assert s.log_level == "DEBUG" and s.source_of("log_level") == "ini"


def test_missing_explicit_ini_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"--config: config file .*nope\.ini not found"):
        load_settings(tmp_path / "nope.ini")
    monkeypatch.setenv("DECNET_CONFIG", str(tmp_path / "gone.ini"))
    with pytest.raises(ConfigError, match=r"DECNET_CONFIG: config file .*gone\.ini not found"):
        load_settings()


def test_ini_values_keep_percent_and_hash(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "d.ini", "[decnet]\n# comment\nadmin_password = 50%off#not-a-comment\n")
    s = load_settings(ini)
    assert s.admin_password is not None
    assert s.admin_password.get_secret_value() == "50%off#not-a-comment"


def test_empty_value_means_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECNET_INGEST_TLS_CERT", "")
    s = load_settings(write_ini(tmp_path / "e.ini", "[decnet]\nray_address =\n"))
    assert s.ingest_tls_cert is None and s.ray_address is None


# --- INI structure errors ----------------------------------------------------------------


def test_unknown_ini_key_names_file_section_and_key(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "k.ini", "[decnet]\ndb_tpye = mysql\n")
    with pytest.raises(ConfigError) as info:
        load_settings(ini)
    assert str(info.value) == f"{ini} [decnet] db_tpye: unknown setting; did you mean 'db_type'?"


def test_unknown_ini_section_names_file_and_section(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "s.ini", "[decnet]\ndb_type = sqlite\n[database]\nurl = x\n")
    with pytest.raises(ConfigError) as info:
        load_settings(ini)
    assert str(info.value) == f"{ini} [database]: unknown section; expected only [decnet]"


def test_default_section_is_just_another_unknown_section(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "d.ini", "[DEFAULT]\ndb_type = mysql\n")
    with pytest.raises(ConfigError, match=r"\[DEFAULT\]: unknown section"):
        load_settings(ini)


def test_malformed_ini(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "m.ini", "db_type = mysql\n")
    with pytest.raises(ConfigError, match=rf"^{ini}: malformed INI .*expected a \[decnet\] section"):
        load_settings(ini)


def test_duplicate_ini_key(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "dup.ini", "[decnet]\nweb_port = 1\nweb_port = 2\n")
    with pytest.raises(ConfigError, match=rf"^{ini}: malformed INI .*already exists"):
        load_settings(ini)


# --- invalid values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ("DECNET_DB_TYPE", "postgres", "invalid value 'postgres'; expected one of 'sqlite', 'mysql'"),
        ("DECNET_DB_POOL_SIZE", "0", "invalid value '0'; expected an integer >= 1 and <= 500"),
        ("DECNET_DB_BUSY_TIMEOUT_MS", "soon", "invalid value 'soon'; expected an integer >= 0"),
        ("DECNET_DB_RETRY_MAX_DELAY_S", "0", "invalid value '0'; expected a number > 0"),
        ("DECNET_EMBED_SNIFFER", "maybe", "invalid value 'maybe'; expected a boolean"),
        ("DECNET_LOG_LEVEL", "trace", "invalid value 'TRACE'; expected one of 'DEBUG', 'INFO'"),
        ("DECNET_LOG_TARGET", "syslog", "invalid value 'syslog'; expected 'stderr', 'file:/path'"),
        ("DECNET_WEB_PORT", "70000", "invalid value '70000'; expected an integer >= 1 and <= 65535"),
        ("DECNET_EVENT_MAX_BYTES", "100", "invalid value '100'; expected an integer >= 480"),
        ("DECNET_INGEST_BATCH_SIZE", "0", "invalid value '0'; expected an integer >= 1"),
    ],
)
def test_invalid_env_value_names_variable_and_form(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(f"{env}: {expected}")
    assert "pydantic" not in str(info.value) and "validation error" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_invalid_ini_value_names_file_section_and_key(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "bad.ini", "[decnet]\ndb_type = oracle\ndb_pool_size = lots\n")
    with pytest.raises(ConfigError) as info:
        load_settings(ini)
    assert info.value.problems == [
        f"{ini} [decnet] db_type: invalid value 'oracle'; expected one of 'sqlite', 'mysql'",
        f"{ini} [decnet] db_pool_size: invalid value 'lots'; expected an integer >= 1 and <= 500",
    ]
    assert isinstance(info.value, ValueError)


def test_env_overriding_a_bad_ini_value_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ini = write_ini(tmp_path / "bad.ini", "[decnet]\ndb_type = oracle\n")
    monkeypatch.setenv("DECNET_DB_TYPE", "mysql")
    assert load_settings(ini).db_type == "mysql"


def test_secret_values_are_never_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECNET_JWT_SECRET", "too-short-but-secret")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "too-short-but-secret" not in str(info.value)
    assert str(info.value) == "DECNET_JWT_SECRET: expected a secret of at least 32 characters (RFC 7518 3.2)"


def test_tcp_ingest_requires_tls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DECNET_INGEST_TCP_PORT", "6514")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith("DECNET_INGEST_TCP_PORT: the TCP ingest listener requires TLS")
    monkeypatch.setenv("DECNET_INGEST_TLS_CERT", str(tmp_path / "c.pem"))
    monkeypatch.setenv("DECNET_INGEST_TLS_KEY", str(tmp_path / "k.pem"))
    assert load_settings().ingest_tcp_port == 6514


def test_unix_socket_path_length_is_checked() -> None:
    expected = r"^ingest_socket: invalid value '/x+\.\.\.'; expected a unix socket path of at most 107 bytes$"
    with pytest.raises(ConfigError, match=expected):
        Settings(ingest_socket=Path("/" + "x" * 120))


def test_unknown_keyword_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^colour: unknown setting$"):
        Settings(colour="blue")


# --- derived values ----------------------------------------------------------------------


def test_spool_dir_defaults_under_data_dir(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).effective_spool_dir == tmp_path / "spool"
    assert Settings(data_dir=tmp_path, spool_dir=tmp_path / "q").effective_spool_dir == tmp_path / "q"
    assert Settings(data_dir=tmp_path).sqlite_path == tmp_path / "decnet.db"


def test_log_target_is_normalised() -> None:
    assert Settings(log_target=" udp://[::1]:514/ ").log_target == "udp://[::1]:514"


# --- caching -----------------------------------------------------------------------------


def test_get_settings_is_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    monkeypatch.setenv("DECNET_WEB_PORT", "8123")
    assert get_settings() is first
    reset_settings()
    assert get_settings().web_port == 8123
    mine = Settings(web_port=1)
    reset_settings(mine)
    assert get_settings() is mine


# --- report ------------------------------------------------------------------------------


def test_report_masks_secrets_and_url_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECNET_JWT_SECRET", "j" * 40)
    monkeypatch.setenv("DECNET_ADMIN_PASSWORD", "hunter2")
    monkeypatch.setenv("DECNET_DB_URL", "mysql+asyncmy://decnet:pa55w0rd@db:3306/decnet")
    rows = {row.name: row for row in describe_settings(load_settings())}
    assert list(rows) == list(Settings.model_fields)
    assert rows["jwt_secret"].value == "********" and rows["jwt_secret"].secret
    assert rows["admin_password"].value == "********" and rows["admin_password"].source == "env"
    assert rows["db_url"].value == "mysql+asyncmy://decnet:********@db:3306/decnet"
    assert rows["db_url"].env_var == "DECNET_DB_URL"
    assert rows["spool_dir"].value == "/var/lib/decnet/spool"
    assert all("hunter2" not in str(r.value) and "pa55w0rd" not in str(r.value) for r in rows.values())
