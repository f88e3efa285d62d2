"""The dashboard over a test client: login with CSRF, cookie flags, forced password change,
security headers, every page rendered with hostile data escaped, admin controls for admins only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from decnet.db.models import Attacker, AttackSession, Credential, Fingerprint, ProbeResult
from decnet.events.model import Event, new_eid
from decnet.web.app import create_app
from decnet.web.dashboard import STATIC_DIR
from decnet.web.dashboard.pages import TEMPLATES_DIR
from decnet.web.middleware import DASHBOARD_CSP
from decnet.web.session import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from tests.decnet.web.conftest import (
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    Running,
    add_user,
    make_settings,
    running,
)

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'><a href="javascript:alert(3)">x</a>'
NOW = datetime.now(UTC)
PAGES = ("/", "/fleet", "/events", "/attackers", "/attackers/203.0.113.9", "/credentials", "/workers")


async def dashboard_login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    return await client.post(
        "/login", data={"csrf": token.group(1), "username": username, "password": password}
    )


async def seed_hostile(web: Running) -> None:
    repo = web.repo
    await repo.add_events(
        [
            Event(
                eid=new_eid(),
                timestamp=NOW,
                decky="decky-01",
                service="ssh",
                event_type="auth",
                src_ip="203.0.113.9",
                fields={"username": HOSTILE, "password": HOSTILE},
                message=HOSTILE,
            ),
            Event(
                eid=new_eid(),
                timestamp=NOW,
                decky="decky-01",
                service="http",
                event_type="request",
                src_ip="203.0.113.9",
                fields={"path": HOSTILE, "user_agent": HOSTILE},
                message="GET",
            ),
        ]
    )
    await repo.upsert_attackers(
        [
            Attacker(
                ip="203.0.113.9",
                first_seen=NOW,
                last_seen=NOW,
                event_count=2,
                session_count=1,
                auth_attempts=1,
                score=42.5,
                profile={"techniques": [{"technique": "T1110", "name": HOSTILE}]},
                updated_at=NOW,
            )
        ]
    )
    await repo.add_sessions(
        [
            AttackSession(
                decky="decky-01",
                service="ssh",
                src_ip="203.0.113.9",
                started_at=NOW,
                event_count=2,
                username=HOSTILE,
            )
        ]
    )
    await repo.upsert_credentials(
        [
            Credential(
                principal=HOSTILE, secret=HOSTILE, service="ssh", decky=d, first_seen=NOW, last_seen=NOW
            )
            for d in ("decky-01", "decky-02")
        ]
    )
    await repo.upsert_fingerprints(
        [Fingerprint(src_ip="203.0.113.9", kind="hassh", value=HOSTILE, first_seen=NOW, last_seen=NOW)]
    )
    await repo.upsert_decky("decky-01", host="h", spec={"services": ["ssh"], "os_profile": "linux"})
    await repo.add_probe_results(
        [
            ProbeResult(
                decky="decky-01",
                check_name="realism",
                passed=False,
                evidence='{"score": 0.75, "flagged": true, "failed": ["banner"], "skipped": {}, "error": ""}',
                checked_at=NOW,
            )
        ]
    )


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all(re.search(r'src="/static/[a-z]+\.js"', tag) for tag in scripts), scripts  # no inline scripts


async def test_login_needs_the_form_token_and_sets_a_strict_cookie(web: Running) -> None:
    page = await web.client.get("/login")
    assert page.headers["content-security-policy"] == DASHBOARD_CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert (
        "httponly" in page.headers["set-cookie"].lower() and LOGIN_CSRF_COOKIE in page.headers["set-cookie"]
    )
    forged = await web.client.post(
        "/login", data={"csrf": "forged", "username": "admin", "password": ADMIN_PASSWORD}
    )
    assert forged.status_code == 403
    wrong = await dashboard_login(web.client, "admin", "wrong-password")
    assert wrong.status_code == 401 and "Wrong username or password." in wrong.text
    ok = await dashboard_login(web.client, "admin", ADMIN_PASSWORD)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = next(c for c in ok.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)).lower()
    assert (
        "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie and "secure" not in cookie
    )
    assert (await web.client.get("/")).status_code == 200


async def test_the_cookie_is_secure_over_tls(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 1))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            ok = await dashboard_login(client, "admin", ADMIN_PASSWORD)
            cookie = next(
                c for c in ok.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
            ).lower()
            assert "; secure" in cookie


async def test_the_default_admin_is_forced_through_the_password_change(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, admin_password=None))  # generated password, must change
    async with running(app) as client:
        await add_user(app, "boss", "boss-password-12", "admin", must_change=True)
        assert (await dashboard_login(client, "boss", "boss-password-12")).headers[
            "location"
        ] == "/change-password"
        for path in (*PAGES, "/users"):
            response = await client.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/change-password", path
        page = await client.get("/change-password")
        assert "You must choose a new password" in page.text and 'href="/fleet"' not in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        short = await client.post(
            "/change-password",
            data={
                "csrf": csrf,
                "old_password": "boss-password-12",
                "new_password": "short",
                "confirm": "short",
            },
        )
        assert short.status_code == 422
        done = await client.post(
            "/change-password",
            data={
                "csrf": csrf,
                "old_password": "boss-password-12",
                "new_password": "a-better-password",
                "confirm": "a-better-password",
            },
        )
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert (await client.get("/")).status_code == 200


async def test_every_page_renders_hostile_data_as_text(web: Running) -> None:
    await seed_hostile(web)
    await dashboard_login(web.client, "admin", ADMIN_PASSWORD)
    for path in (*PAGES, "/users"):
        response = await web.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == DASHBOARD_CSP
        assert response.headers["cache-control"] == "no-store"
        assert_escaped(response.text)
    detail = (await web.client.get("/attackers/203.0.113.9")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "T1110" in detail
    assert "reused" in (await web.client.get("/credentials")).text
    assert "75% flagged · 1 failed" in (await web.client.get("/fleet")).text
    assert (await web.client.get("/attackers/198.51.100.200")).status_code == 404


async def test_viewers_see_no_admin_controls_and_cannot_act(web: Running) -> None:
    await seed_hostile(web)
    await dashboard_login(web.client, "viewer", VIEWER_PASSWORD)
    fleet = (await web.client.get("/fleet")).text
    assert "/fleet/deploy" not in fleet and "teardown" not in fleet and "admin-only" not in fleet
    assert 'href="/users"' not in (await web.client.get("/")).text
    assert (await web.client.get("/users")).status_code == 403
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', fleet).group(1)  # type: ignore[union-attr]
    response = await web.client.post("/fleet/decky-01/teardown", data={"csrf": csrf})
    assert response.status_code == 403


async def test_admin_deploys_tears_down_and_manages_users_through_forms(web: Running) -> None:
    await dashboard_login(web.client, "admin", ADMIN_PASSWORD)
    fleet = (await web.client.get("/fleet")).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', fleet).group(1)  # type: ignore[union-attr]
    bad = await web.client.post("/fleet/deploy", data={"csrf": csrf, "deckies": "2", "subnet": "not-a-net"})
    assert bad.status_code == 422 and "subnet" in bad.text.lower()
    deploy = await web.client.post(
        "/fleet/deploy",
        data={
            "csrf": csrf,
            "deckies": "2",
            "subnet": "10.9.0.0/24",
            "services": "ssh http",
            "backend": "local",
        },
    )
    assert deploy.status_code == 303 and deploy.headers["location"].startswith("/fleet?op=")
    assert len(web.operator.fleets) == 1 and len(web.operator.fleets[0].deckies) == 2
    page = (await web.client.get(deploy.headers["location"])).text
    assert 'id="op-progress"' in page and "deploy of decky-01, decky-02" in page
    await web.repo.upsert_decky("decky-01", host="h", spec={"services": ["ssh"]})
    assert "Mutate now" in (await web.client.get("/fleet")).text  # the mutator's route is installed
    via_api = await web.client.post(
        "/api/v1/users",
        headers={"X-CSRF-Token": csrf},
        json={"username": "scripted", "password": "scripted-pass-12", "role": "viewer"},
    )
    assert via_api.status_code == 201  # what the pages' scripts do: cookie plus the CSRF header
    down = await web.client.post("/fleet/decky-01/teardown", data={"csrf": csrf})
    assert down.status_code == 303
    assert (await web.repo.get_decky("decky-01")).desired_state == "absent"  # type: ignore[union-attr]
    created = await web.client.post(
        "/users", data={"csrf": csrf, "username": "eve", "password": "eve-password-12", "role": "viewer"}
    )
    assert created.headers["location"] == "/users?notice=created"
    assert (await web.client.post("/users/eve/role", data={"csrf": csrf, "role": "admin"})).status_code == 303
    assert (await web.repo.get_user_by_username("eve")).role == "admin"  # type: ignore[union-attr]
    await web.client.post("/users/eve/reset", data={"csrf": csrf, "password": "eve-temporary-1"})
    assert (await web.repo.get_user_by_username("eve")).must_change_password  # type: ignore[union-attr]
    await web.client.post("/users/eve/delete", data={"csrf": csrf})
    assert await web.repo.get_user_by_username("eve") is None
    own = await web.client.post("/users/admin/delete", data={"csrf": csrf})
    assert "cannot+delete" in own.headers["location"] or "cannot%20delete" in own.headers["location"]


async def test_logout_revokes_the_session(web: Running) -> None:
    await dashboard_login(web.client, "admin", ADMIN_PASSWORD)
    page = (await web.client.get("/")).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    stolen = web.client.cookies[SESSION_COOKIE]
    out = await web.client.post("/logout", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    replay = await web.client.get("/", headers={"Cookie": f"{SESSION_COOKIE}={stolen}"})
    assert replay.status_code == 303 and replay.headers["location"] == "/login"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES_DIR.glob("*.html")))
def test_templates_have_no_inline_code_and_no_unescaping(template: str) -> None:
    text = (TEMPLATES_DIR / template).read_text("utf-8")
    assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert not re.search(r"\son[a-z]+\s*=", text) and "style=" not in text and "javascript:" not in text


@pytest.mark.parametrize("script", sorted(p.name for p in STATIC_DIR.glob("*.js")))
def test_scripts_never_write_markup(script: str) -> None:
    text = (STATIC_DIR / script).read_text("utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in text, sink


async def test_static_files_have_the_policy(web: Running) -> None:
    response = await web.client.get("/static/app.js")
    assert response.status_code == 200 and response.headers["content-security-policy"] == DASHBOARD_CSP
