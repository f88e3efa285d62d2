"""The host INI file (``/etc/decnet/decnet.ini``) as a pydantic-settings source."""

from __future__ import annotations

import configparser
import difflib
import os
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic.fields import FieldInfo
from pydantic_settings import PydanticBaseSettingsSource

from decnet.config.errors import ConfigError

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

#: The only section of the host INI file.
SECTION = "decnet"

#: Environment variable naming the host INI file.
CONFIG_ENV_VAR = "DECNET_CONFIG"

# A default-section name no one writes, so a literal ``[DEFAULT]`` is just an unknown section.
_NO_DEFAULT_SECTION = "\x00decnet-no-default\x00"


def ini_label(path: Path, key: str) -> str:
    """How a key of the host INI is named in messages: ``/etc/decnet/decnet.ini [decnet] db_type``."""
    return f"{path} [{SECTION}] {key}"


def read_ini(path: Path, known_keys: Collection[str]) -> dict[str, str]:
    """Read the ``[decnet]`` section of ``path``; raise ``ConfigError`` on any unknown section or key."""
    parser = configparser.ConfigParser(
        interpolation=None,  # passwords may hold '%'
        strict=True,
        default_section=_NO_DEFAULT_SECTION,
        comment_prefixes=("#", ";"),
        inline_comment_prefixes=None,  # a '#' inside a value is part of the value
        empty_lines_in_values=False,
    )
    try:
        with path.open(encoding="utf-8") as fh:
            parser.read_file(fh, source=str(path))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not valid UTF-8") from None
    except configparser.Error as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(
            f"{path}: malformed INI ({detail}); expected a [{SECTION}] section of key = value lines"
        ) from None

    problems: list[str] = []
    for section in parser.sections():
        if section != SECTION:
            problems.append(f"{path} [{section}]: unknown section; expected only [{SECTION}]")
    values: dict[str, str] = {}
    if parser.has_section(SECTION):
        for key, value in parser.items(SECTION):
            if key not in known_keys:
                hint = difflib.get_close_matches(key, list(known_keys), n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else "; see docs/configuration.md"
                problems.append(f"{ini_label(path, key)}: unknown setting{suggestion}")
            else:
                values[key] = value.strip()
    if problems:
        raise ConfigError(*problems)
    return values


def resolve_config_path(explicit: Path | str | None, default: Path) -> Path | None:
    """Pick the host INI: ``explicit`` (``--config``), else ``$DECNET_CONFIG``, else ``default`` if it exists.

    An explicitly named file that does not exist is an error; a missing default is not.
    """
    if explicit is not None and str(explicit) != "":
        path, origin = Path(explicit), "--config"
    elif os.environ.get(CONFIG_ENV_VAR):
        path, origin = Path(os.environ[CONFIG_ENV_VAR]), CONFIG_ENV_VAR
    else:
        return default if default.is_file() else None
    if not path.is_file():
        raise ConfigError(f"{origin}: config file {path} not found; expected the path of an existing file")
    return path


class IniSettingsSource(PydanticBaseSettingsSource):
    """Settings from the ``[decnet]`` section of the host INI file (keys are field names)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path
        self._values: dict[str, str] = read_ini(path, settings_cls.model_fields) if path is not None else {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Return the raw INI string for ``field_name`` (or None) and its key."""
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)
