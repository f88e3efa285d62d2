"""Hermetic settings: no DECNET_* variable and no host INI leak in from the machine running the tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import decnet.config.settings as settings_module
from decnet.config import reset_settings


@pytest.fixture(autouse=True)
def _hermetic_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("DECNET_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(settings_module, "DEFAULT_CONFIG_PATH", tmp_path / "absent" / "decnet.ini")
    reset_settings()
    yield
    reset_settings()
