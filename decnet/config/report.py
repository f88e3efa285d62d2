"""Report each setting's effective value and where it came from, secrets masked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from decnet.config.masking import MASK, mask_url
from decnet.config.settings import Settings, Source, env_var_name, is_secret_field

#: A JSON-safe setting value.
JsonValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class SettingInfo:
    """One row of the settings report."""

    name: str
    env_var: str
    value: JsonValue
    source: Source
    description: str
    secret: bool


def display_value(value: object) -> JsonValue:
    """Render a setting value for display: secrets as ``********``, URL passwords masked, paths as text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, Path):
        return str(value)
    return mask_url(str(value))


def describe_settings(settings: Settings) -> list[SettingInfo]:
    """List every setting with its env var, masked effective value and source (init/env/ini/default)."""
    rows: list[SettingInfo] = []
    for name, info in Settings.model_fields.items():
        raw: object = getattr(settings, name)
        if name == "spool_dir" and raw is None:
            raw = settings.effective_spool_dir
        rows.append(
            SettingInfo(
                name=name,
                env_var=env_var_name(name),
                value=display_value(raw),
                source=settings.source_of(name),
                description=info.description or "",
                secret=is_secret_field(name),
            )
        )
    return rows
