"""Integers the database cannot store are a client error (422), not a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.decnet.web.conftest import Running


async def test_integer_overflow_is_a_422(web: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    async def overflowing(host: str | None = None) -> list[Any]:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(web.repo, "list_deckies", overflowing)
    response = await web.client.get("/api/v1/deckies", headers=web.viewer)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "int_out_of_range"
    assert "SQLite" not in response.text
