"""mask_url and url_password."""

from __future__ import annotations

import pytest

from decnet.config.masking import mask_url, url_password


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("mysql+asyncmy://decnet:s3cret@db:3306/decnet", "mysql+asyncmy://decnet:********@db:3306/decnet"),
        ("mysql://u:p%40ss@h/db", "mysql://u:********@h/db"),
        ("mysql://u:p@ss@h/db", "mysql://u:********@h/db"),  # raw '@' in the password
        ("mysql://u:pa/ss@h/db", "mysql://u:********@h/db"),  # raw '/' in the password
        ("ray://user:tok@head:10001", "ray://user:********@head:10001"),
        ("mysql://u@h/db", "mysql://u@h/db"),  # no password
        ("mysql://u:@h/db", "mysql://u:@h/db"),  # empty password
        ("sqlite+aiosqlite:////var/lib/decnet/decnet.db", "sqlite+aiosqlite:////var/lib/decnet/decnet.db"),
        ("http://host:80/path", "http://host:80/path"),
        ("mysql://h/db?user=u&password=x&ssl=1", "mysql://h/db?user=u&password=********&ssl=1"),
        ("stderr", "stderr"),
        ("not a url", "not a url"),
        ("", ""),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_url_password() -> None:
    assert url_password("mysql://u:p%40ss@h/db") == "p@ss"
    assert url_password("mysql://u@h/db") is None
    assert url_password("stderr") is None
