"""mask_url never returns a password."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from decnet.db.urls import mask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("mysql+asyncmy://decnet:hunter2@db:3306/decnet", "mysql+asyncmy://decnet:***@db:3306/decnet"),
        ("mysql+asyncmy://decnet:p%40ss%3Aw0rd@db/decnet", "mysql+asyncmy://decnet:***@db/decnet"),
        ("mysql+asyncmy://decnet@db/decnet", "mysql+asyncmy://decnet@db/decnet"),
        ("mysql+asyncmy://:only-secret@db/decnet", "mysql+asyncmy://:***@db/decnet"),
        ("sqlite+aiosqlite:////var/lib/decnet/decnet.db", "sqlite+aiosqlite:////var/lib/decnet/decnet.db"),
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
        (
            "mysql+asyncmy://u@db/decnet?charset=utf8mb4&password=hunter2",
            "mysql+asyncmy://u@db/decnet?charset=utf8mb4&password=***",
        ),
        # not parseable by SQLAlchemy: masked as text
        ("no scheme:hunter2@db", "no scheme:***@db"),
        ("weird scheme://u:hunter2@db/x?token=abc&a=1", "weird scheme://u:***@db/x?token=***&a=1"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    "url",
    [
        "mysql+asyncmy://decnet:hunter2@db:3306/decnet",
        "mysql://decnet:hun@ter2@db:3306/decnet",  # unescaped "@": SQLAlchemy splits it wrongly
        "mysql+asyncmy://decnet:hunter2@db/decnet?ssl_key_password=hunter2",
        "mysql+asyncmy://decnet@db/decnet?PASSWORD=hunter2",
        "x://decnet:hunter2@h",
        "decnet:hunter2@db:3306/decnet",
    ],
)
def test_password_never_shows(url: str) -> None:
    assert "hunter2" not in mask_url(url)
    assert "ter2" not in mask_url(url)
    assert "***" in mask_url(url)


def test_accepts_url_objects() -> None:
    url = make_url("mysql+asyncmy://decnet:hunter2@db/decnet")
    assert mask_url(url) == "mysql+asyncmy://decnet:***@db/decnet"
