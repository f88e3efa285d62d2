"""DECNET settings: every knob as a ``DECNET_*`` environment variable or a host INI key.

Precedence, highest first: explicit keyword arguments (tests, embedding code), ``DECNET_*``
environment variables, the host INI file, the field default. Any invalid value raises
:class:`~decnet.config.errors.ConfigError` naming where it came from and the expected form.
"""

from __future__ import annotations

import ipaddress
import types
import typing
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from decnet.config.errors import ConfigError
from decnet.config.ini import IniSettingsSource, ini_label, resolve_config_path
from decnet.config.logtarget import parse_log_target
from decnet.config.masking import mask_url

#: Host INI read when neither ``--config`` nor ``DECNET_CONFIG`` names one (and it exists).
DEFAULT_CONFIG_PATH = Path("/etc/decnet/decnet.ini")

#: Prefix of every environment variable.
ENV_PREFIX = "DECNET_"

#: Where a setting's effective value came from.
Source = Literal["init", "env", "ini", "default"]

_MIB = 1024 * 1024
_SUN_PATH_MAX = 107  # sockaddr_un.sun_path holds 108 bytes including the NUL


@dataclass
class _Build:
    """State of one ``Settings(...)`` construction, shared with the sources through a ContextVar."""

    ini_path: Path | None
    states: dict[str, dict[str, Any]] = field(default_factory=dict)


_BUILD: ContextVar[_Build | None] = ContextVar("decnet_settings_build", default=None)


class _RecordSources(PydanticBaseSettingsSource):
    """Contributes nothing; records what every earlier source found, to tell each field's origin."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        build = _BUILD.get()
        if build is not None:
            build.states = {name: dict(state) for name, state in self.settings_sources_data.items()}
        return {}


class Settings(BaseSettings):
    """Effective DECNET settings (env > host INI > default).

    ``Settings(_config_file=path)`` reads that INI instead of ``$DECNET_CONFIG`` or
    ``/etc/decnet/decnet.ini``; keyword arguments for fields override every source.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=True)

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(Path("/var/lib/decnet"), description="State directory (SQLite database, spool).")
    db_type: Literal["sqlite", "mysql"] = Field("sqlite", description="Repository backend.")
    db_url: str | None = Field(
        None,
        description="SQLAlchemy URL; required for mysql (mysql+asyncmy://user:pass@host:3306/db); "
        "for sqlite defaults to sqlite+aiosqlite:///<data_dir>/decnet.db.",
    )
    db_pool_size: int = Field(10, ge=1, le=500, description="Connections per process (mysql).")
    db_busy_timeout_ms: int = Field(5000, ge=0, description="SQLite busy timeout.")
    db_connect_retries: int = Field(10, ge=0, description="Connection attempts before a worker gives up.")
    db_retry_max_delay_s: float = Field(30.0, gt=0, description="Cap of the exponential retry backoff.")

    # --- event ingest (collector endpoint) -----------------------------------------------
    ingest_socket: Path = Field(
        Path("/run/decnet/ingest.sock"),
        description="Unix socket the collector listens on; mounted into every decky.",
    )
    ingest_tcp_host: str = Field(
        "127.0.0.1", min_length=1, description="Address of the TLS/TCP ingest listener for remote hosts."
    )
    ingest_tcp_port: int = Field(
        0, ge=0, le=65535, description="Port of the TLS/TCP ingest listener; 0 disables it (TLS required)."
    )
    ingest_tls_cert: Path | None = Field(None, description="PEM certificate of the TLS/TCP ingest listener.")
    ingest_tls_key: Path | None = Field(None, description="PEM private key of the TLS/TCP ingest listener.")
    ingest_tls_ca: Path | None = Field(
        None,
        description="PEM CA bundle; when set, ingest clients must present a certificate "
        "it signed (mutual TLS).",
    )
    event_max_bytes: int = Field(
        65536,
        ge=480,
        le=_MIB,
        description="Largest accepted event frame in bytes; longer ones are quarantined.",
    )
    ingest_batch_size: int = Field(
        1000, ge=1, le=100_000, description="Events per repository write by the collector."
    )
    ingest_flush_ms: int = Field(
        50, ge=1, le=60_000, description="Longest a partial batch waits before it is written."
    )

    # --- spool (at-least-once delivery from deckies) -------------------------------------
    spool_dir: Path | None = Field(None, description="Spool directory; defaults to <data_dir>/spool.")
    spool_memory_events: int = Field(
        10_000, ge=0, le=10_000_000, description="Events held in memory before the spool spills to disk."
    )
    spool_disk_max_bytes: int = Field(
        256 * _MIB, ge=0, description="Cap of the on-disk spool in bytes; 0 keeps the spool in memory only."
    )

    # --- DECNET's own logs -----------------------------------------------------------------
    log_target: str = Field(
        "stderr",
        description="Where DECNET's own RFC 5424 logs go: stderr, file:/path, unix:/dev/log, "
        "udp://host:port or tcp://host:port.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Lowest level of DECNET's own logs that is emitted."
    )

    # --- web -----------------------------------------------------------------------------
    web_host: str = Field("127.0.0.1", min_length=1, description="Address the web API and dashboard bind to.")
    web_port: int = Field(8000, ge=1, le=65535, description="Port of the web API and dashboard.")
    jwt_secret: SecretStr | None = Field(
        None, description="HS256 signing key of API tokens (at least 32 characters)."
    )
    admin_password: SecretStr | None = Field(
        None, description="Password of the initial 'admin' user, created on first start."
    )

    # --- cluster -------------------------------------------------------------------------
    ray_address: str | None = Field(
        None,
        description="Ray cluster to join ('auto', 'host:6379', 'ray://host:10001'); "
        "unset starts a local one.",
    )
    ray_port: int = Field(
        6380,
        ge=1024,
        le=65535,
        description="GCS port of the local Ray head 'decnet up' starts (6379 is left to Redis).",
    )
    ray_node_ip: str = Field(
        "127.0.0.2",
        description="Address the local Ray node listens on and advertises: a loopback address other "
        "than 127.0.0.1 (Ray swaps 127.0.0.1 for the LAN address) on one host, the management "
        "interface's address in a SWARM.",
    )
    ray_bind_guard: bool = Field(
        True,
        description="Pin Ray's wildcard listeners to ray_node_ip (an LD_PRELOAD shim built with cc); "
        "turn off only behind a firewall of your own.",
    )
    decky_host: str | None = Field(
        None,
        description="This machine's name as a decky host (its decnet_host:<name> resource); "
        "default: the hostname.",
    )
    embed_profiler: bool = Field(False, description="Place the profiler worker on the web host.")
    embed_sniffer: bool = Field(False, description="Place the sniffer worker on the web host.")

    # --- intel ---------------------------------------------------------------------------
    internal_sources: str | None = Field(
        None,
        description="Comma-separated IPs/CIDRs whose traffic is DECNET's own (management hosts, "
        "monitoring): never made attackers nor scanners.",
    )

    _config_file: Path | None = PrivateAttr(None)
    _origins: dict[str, Source] = PrivateAttr(default_factory=dict)

    def __init__(self, *, _config_file: Path | str | None = None, **values: Any) -> None:
        ini_path = resolve_config_path(_config_file, DEFAULT_CONFIG_PATH)
        build = _Build(ini_path)
        token = _BUILD.set(build)
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _config_error(exc, _origins(build), ini_path) from None
        finally:
            _BUILD.reset(token)
        self._config_file = ini_path
        self._origins = _origins(build)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Sources, highest priority first: init kwargs, ``DECNET_*`` env, host INI."""
        build = _BUILD.get()
        ini_path = build.ini_path if build is not None else resolve_config_path(None, DEFAULT_CONFIG_PATH)
        return (
            init_settings,
            env_settings,
            IniSettingsSource(settings_cls, ini_path),
            _RecordSources(settings_cls),
        )

    # --- validators ------------------------------------------------------------------------

    @field_validator(
        "db_url", "ingest_tls_cert", "ingest_tls_key", "ingest_tls_ca", "spool_dir",
        "jwt_secret", "admin_password", "ray_address", "decky_host", "internal_sources",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_target")
    @classmethod
    def _check_log_target(cls, value: str) -> str:
        return str(parse_log_target(value))

    @field_validator("ingest_socket")
    @classmethod
    def _check_socket_path(cls, value: Path) -> Path:
        if len(str(value).encode()) > _SUN_PATH_MAX:
            raise ValueError(f"expected a unix socket path of at most {_SUN_PATH_MAX} bytes")
        return value

    @field_validator("internal_sources")
    @classmethod
    def _check_internal_sources(cls, value: str | None) -> str | None:
        if value is None:
            return None
        items = [item.strip() for item in value.split(",") if item.strip()]
        if len(items) > 256:
            raise ValueError("expected at most 256 addresses or networks")
        try:
            return ",".join(str(ipaddress.ip_network(item, strict=False)) for item in items) or None
        except ValueError:
            raise ValueError("expected IP addresses or CIDR networks separated by commas") from None

    @field_validator("jwt_secret")
    @classmethod
    def _check_jwt_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("expected a secret of at least 32 characters (RFC 7518 3.2)")
        return value

    @model_validator(mode="after")
    def _check_ingest_tls(self) -> Settings:
        if self.ingest_tcp_port and (self.ingest_tls_cert is None or self.ingest_tls_key is None):
            raise PydanticCustomError(
                "tls_required",
                "the TCP ingest listener requires TLS; expected ingest_tls_cert and ingest_tls_key "
                "to be set (or ingest_tcp_port = 0)",
                {"field": "ingest_tcp_port"},
            )
        return self

    # --- derived values ------------------------------------------------------------------

    @property
    def sqlite_path(self) -> Path:
        """Path of the default SQLite database."""
        return self.data_dir / "decnet.db"

    @property
    def effective_spool_dir(self) -> Path:
        """Spool directory: ``spool_dir`` if set, else ``<data_dir>/spool``."""
        return self.spool_dir if self.spool_dir is not None else self.data_dir / "spool"

    @property
    def config_file(self) -> Path | None:
        """The host INI file these settings were read from, if any."""
        return self._config_file

    def source_of(self, name: str) -> Source:
        """Where the effective value of field ``name`` came from: init, env, ini or default."""
        if name not in type(self).model_fields:
            raise KeyError(name)
        return self._origins.get(name, "default")


# --- error reporting ---------------------------------------------------------------------

_SOURCE_STATE = {"init": "InitSettingsSource", "env": "EnvSettingsSource", "ini": "IniSettingsSource"}


def env_var_name(name: str) -> str:
    """The environment variable of field ``name``: ``db_type`` -> ``DECNET_DB_TYPE``."""
    return f"{ENV_PREFIX}{name.upper()}"


def _origins(build: _Build) -> dict[str, Source]:
    origins: dict[str, Source] = {}
    for name in Settings.model_fields:
        source: Source
        for source in ("init", "env", "ini"):
            if name in build.states.get(_SOURCE_STATE[source], {}):
                origins[name] = source
                break
    return origins


def _label(name: str, origin: Source, ini_path: Path | None) -> str:
    if origin == "env":
        return env_var_name(name)
    if origin == "ini" and ini_path is not None:
        return ini_label(ini_path, name)
    return name


def is_secret_field(name: str) -> bool:
    """True if field ``name`` holds a secret (``SecretStr``), masked wherever it is shown."""
    return SecretStr in _inner_types(Settings.model_fields[name].annotation)


def _inner_types(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _bounds(info: FieldInfo) -> str:
    parts: list[str] = []
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Ge):
            parts.append(f">= {meta.ge}")
        elif isinstance(meta, annotated_types.Gt):
            parts.append(f"> {meta.gt}")
        elif isinstance(meta, annotated_types.Le):
            parts.append(f"<= {meta.le}")
        elif isinstance(meta, annotated_types.Lt):
            parts.append(f"< {meta.lt}")
        elif isinstance(meta, annotated_types.MinLen):
            parts.append(f"of at least {meta.min_length} character(s)")
    return " and ".join(parts)


def expected_form(name: str) -> str:
    """Describe the accepted form of field ``name``, e.g. ``expected an integer >= 1``."""
    info = Settings.model_fields[name]
    kinds = _inner_types(info.annotation)
    optional = type(None) in typing.get_args(info.annotation)
    kind = kinds[0]
    bounds = _bounds(info)
    if typing.get_origin(kind) is Literal:
        text = "expected one of " + ", ".join(repr(v) for v in typing.get_args(kind))
    elif kind is bool:
        text = "expected a boolean (true/false, yes/no, on/off, 1/0)"
    elif kind is int:
        text = "expected an integer"
    elif kind is float:
        text = "expected a number"
    elif kind is Path:
        text = "expected a filesystem path"
    else:
        text = "expected a string"
    if bounds:
        text += f" {bounds}"
    if optional:
        text += " (empty for none)"
    return text


def _shown_input(name: str, value: Any) -> str:
    if is_secret_field(name):
        return ""
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        value = mask_url(value)
        if len(value) > 80:
            value = value[:77] + "..."
    elif not isinstance(value, (int, float)):
        return ""
    return f"invalid value {value!r}; "


def _config_error(exc: ValidationError, origins: dict[str, Source], ini_path: Path | None) -> ConfigError:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc = err.get("loc", ())
        ctx = err.get("ctx") or {}
        name = str(loc[0]) if loc else str(ctx.get("field", ""))
        if err["type"] == "extra_forbidden":
            problems.append(f"{name}: unknown setting")
            continue
        if name not in Settings.model_fields:
            problems.append(str(err.get("msg", "invalid configuration")))
            continue
        label = _label(name, origins.get(name, "default"), ini_path)
        if err["type"] == "tls_required":
            problems.append(f"{label}: {err['msg']}")
            continue
        if err["type"] == "value_error" and "error" in ctx:
            expected = str(ctx["error"])
        else:
            expected = expected_form(name)
        problems.append(f"{label}: {_shown_input(name, err.get('input'))}{expected}")
    return ConfigError(*dict.fromkeys(problems))
