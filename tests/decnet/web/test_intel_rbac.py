"""The intel routes: viewers and admins read them; anonymous callers, bad tokens and accounts that
must change their password get nothing; no method but GET exists."""

from __future__ import annotations

import pytest

from decnet.web.routing import flat_routes
from tests.decnet.web.conftest import Running, add_user, bearer, login

PENDING_PASSWORD = "pending-password-1"
ROUTES = [
    "/api/v1/attackers",
    "/api/v1/attackers/export.jsonl",
    "/api/v1/attackers/{id}",
    "/api/v1/attackers/{id}/stix",
    "/api/v1/sessions/{id}",
    "/api/v1/credentials",
    "/api/v1/stats",
]


def test_the_intel_routes_are_read_only(web: Running) -> None:
    methods = {r.path: r.methods for r in flat_routes(web.app) if r.path in ROUTES}
    assert set(methods) == set(ROUTES)
    assert all(m <= {"GET", "HEAD"} for m in methods.values())


@pytest.mark.parametrize("template", ROUTES)
async def test_access(web: Running, template: str) -> None:
    path = template.replace("attackers/{id}", "attackers/192.0.2.1").replace("{id}", "1")
    read = 404 if "{" in template else 200  # an empty repository has no attacker or session 1
    await add_user(web.app, "pending", PENDING_PASSWORD, "viewer", must_change=True)
    pending = bearer(await login(web.client, "pending", PENDING_PASSWORD))
    bad = bearer(web.viewer["Authorization"].split()[1][:-2] + "AA")
    for headers, expected in (({}, 401), (bad, 401), (pending, 403), (web.viewer, read), (web.admin, read)):
        response = await web.client.get(path, headers=headers)
        assert response.status_code == expected, (template, headers, response.text)
    for method in ("POST", "PUT", "DELETE"):
        assert (await web.client.request(method, path, headers=web.admin)).status_code == 405
