"""docs/configuration.md documents every setting, with its true default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from decnet.config import Settings, env_var_name

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def doc_rows() -> dict[str, str]:
    """``DECNET_X`` -> the default column of its row in a settings table."""
    rows: dict[str, str] = {}
    for line in DOC.read_text("utf-8").splitlines():
        m = re.match(r"\| `(DECNET_[A-Z0-9_]+)` \| ([^|]*) \|", line)
        if m:
            rows[m.group(1)] = m.group(2).strip()
    return rows


def test_every_setting_is_documented() -> None:
    text = DOC.read_text("utf-8")
    missing = [env_var_name(name) for name in Settings.model_fields if env_var_name(name) not in text]
    assert missing == [], f"add these to {DOC}: {missing}"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_documented_default_is_the_real_one(name: str) -> None:
    column = doc_rows().get(env_var_name(name))
    assert column is not None, f"{env_var_name(name)} has no table row in {DOC}"
    default = Settings.model_fields[name].default
    if default is None:
        assert column.startswith("unset"), column
        return
    shown = str(default).lower() if isinstance(default, bool) else str(default)
    assert column.startswith(f"`{shown}`"), f"{env_var_name(name)}: documented {column}, actual {shown}"


def test_no_stale_variables_documented() -> None:
    documented = set(doc_rows()) - {"DECNET_CONFIG"}
    assert documented == {env_var_name(name) for name in Settings.model_fields}
