"""The dashboard in headless Chromium: every page, a live event from a real ssh attack, deploy and
teardown as admin, no admin controls for viewers, hostile data shown as text with no script run."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime

from playwright.sync_api import Browser, expect

from decnet.events.model import Event, new_eid
from tests.browser.conftest import (
    ADMIN_PASSWORD,
    VIEWER_PASSWORD,
    Stack,
    Watched,
    log_in,
    open_page,
    shot,
    sshpass_available,
)

PAGES = {
    "overview": "/",
    "fleet": "/fleet",
    "events": "/events",
    "attackers": "/attackers",
    "credentials": "/credentials",
    "workers": "/workers",
    "users": "/users",
}
#: Payloads that run script if a page ever treats data as markup; each sets window.__xss or opens a dialog.
PAYLOADS = (
    "<script>window.__xss=1;alert('script')</script>",
    "<img src=x onerror=\"window.__xss=2;alert('img')\">",
    "<a href=\"javascript:window.__xss=3;alert('link')\">click</a>",
    "\"'><svg onload=\"window.__xss=4;alert('svg')\">",
    "'\"--></textarea></title><script>alert('broken')</script>",
)


def no_script_ran(watched: Watched) -> None:
    assert watched.dialogs == [], watched.dialogs
    assert watched.page.evaluate("() => window.__xss === undefined")
    assert watched.page_errors == [], watched.page_errors


def hostile_event(i: int, payload: str) -> Event:
    return Event(
        eid=new_eid(),
        timestamp=datetime.now(UTC),
        decky="decky-web",
        service=("ssh", "http")[i % 2],
        event_type=("auth", "command", "request", "request", "auth")[i],
        src_ip="198.51.100.66",
        fields={"username": payload, "command": payload, "path": payload, "user_agent": payload},
        message=payload,
    )


def test_login_and_every_page(stack: Stack, browser: Browser) -> None:
    watched = open_page(browser)
    page = watched.page
    page.goto(f"{stack.url}/")
    expect(page).to_have_url(re.compile(r"/login$"))
    shot(page, "login")
    log_in(watched, stack.url, "admin", ADMIN_PASSWORD)
    expect(page.locator("h1")).to_have_text("Overview")
    for name, path in PAGES.items():
        page.goto(f"{stack.url}{path}")
        page.wait_for_load_state("networkidle")
        expect(page.locator("header.top .user")).to_have_text("admin")
        shot(page, name)
    page.goto(f"{stack.url}/change-password")
    shot(page, "change-password")
    # the overview chart is drawn by charts.js under the strict CSP (no console errors, no violations)
    page.goto(f"{stack.url}/")
    expect(page.locator("svg.chart").first).to_be_visible()
    before = int(page.locator('[data-counter="events"]').inner_text())
    stack.server.call(stack.repo.add_events([hostile_event(0, "counted")]))
    expect(page.locator('[data-counter="events"]')).to_have_text(str(before + 1), timeout=15_000)
    assert watched.console_errors == [], watched.console_errors
    no_script_ran(watched)
    page.context.close()


def test_a_live_event_appears_after_a_real_ssh_attack(stack: Stack, browser: Browser) -> None:
    assert sshpass_available(), "sshpass and ssh are needed: scripts/ensure-test-deps.sh"
    watched = open_page(browser)
    page = watched.page
    log_in(watched, stack.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{stack.url}/events")
    expect(page.locator("#stream-state")).to_have_text("live")
    attempt = subprocess.run(
        [
            "sshpass",
            "-p",
            "wrong-password-7",
            "ssh",
            "-p",
            str(stack.ssh_port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "NumberOfPasswordPrompts=1",
            "-o",
            "ConnectTimeout=10",
            "intruder-browser@127.0.0.1",
            "true",
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert attempt.returncode != 0  # the login was refused
    row = page.locator("#events tbody tr", has_text="intruder-browser").first
    expect(row).to_be_visible(timeout=20_000)
    expect(row).to_contain_text("auth")
    expect(row).to_contain_text("wrong-password-7")
    shot(page, "events-live")
    page.click("#pause")
    expect(page.locator("#pause")).to_have_attribute("aria-pressed", "true")
    assert watched.console_errors == [], watched.console_errors
    page.context.close()


def test_admin_deploys_and_tears_down(stack: Stack, browser: Browser) -> None:
    watched = open_page(browser)
    page = watched.page
    log_in(watched, stack.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{stack.url}/fleet")
    page.fill("#deckies-n", "1")
    page.fill("#subnet", stack.subnet)
    page.fill("#services", "ssh")
    page.fill("#name_prefix", "brw")
    page.select_option("#backend", "local")
    page.click("#deploy button[type=submit]")
    expect(page.locator("#op-state")).to_have_text("succeeded", timeout=60_000)
    row = page.locator('#deckies tr[data-decky="brw-01"]')
    for _ in range(30):  # the operation succeeded once the agent saw it running; the page may predate that
        if "running" in row.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(row).to_contain_text("running")
    shot(page, "fleet-deployed")
    row.get_by_role("button", name="Tear down").click()
    expect(page.locator("#op-state")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator('#deckies tr[data-decky="brw-01"]')).to_have_count(0)
    shot(page, "fleet-torn-down")
    assert watched.console_errors == [], watched.console_errors
    page.context.close()


def test_a_viewer_sees_no_admin_controls(stack: Stack, browser: Browser) -> None:
    stack.server.call(stack.repo.upsert_decky("decky-view", host="h", spec={"services": ["ssh"]}))
    watched = open_page(browser)
    page = watched.page
    log_in(watched, stack.url, "viewer", VIEWER_PASSWORD)
    for path in ("/", "/fleet", "/events", "/attackers", "/credentials", "/workers"):
        page.goto(f"{stack.url}{path}")
        expect(page.locator(".admin-only")).to_have_count(0)
        expect(page.locator('a[href="/users"]')).to_have_count(0)
        expect(page.get_by_role("button", name="Tear down")).to_have_count(0)
        expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
    page.goto(f"{stack.url}/fleet")
    shot(page, "fleet-viewer")
    response = page.goto(f"{stack.url}/users")
    assert response is not None and response.status == 403
    stack.server.call(stack.repo.delete_decky("decky-view"))
    page.context.close()


def test_hostile_data_is_literal_text(stack: Stack, browser: Browser) -> None:
    from decnet.db.models import Attacker, AttackSession, Credential

    now = datetime.now(UTC)
    stack.server.call(stack.repo.add_events([hostile_event(i, p) for i, p in enumerate(PAYLOADS)]))
    stack.server.call(
        stack.repo.upsert_attackers(
            [
                Attacker(
                    ip="198.51.100.66",
                    first_seen=now,
                    last_seen=now,
                    event_count=5,
                    score=99.0,
                    updated_at=now,
                )
            ]
        )
    )
    stack.server.call(
        stack.repo.add_sessions(
            [
                AttackSession(
                    decky="decky-web",
                    service="ssh",
                    src_ip="198.51.100.66",
                    started_at=now,
                    username=PAYLOADS[0],
                    transcript=[{"command": p} for p in PAYLOADS],
                )
            ]
        )
    )
    stack.server.call(
        stack.repo.upsert_credentials(
            [
                Credential(
                    principal=p, secret=p, service="ssh", decky="decky-web", first_seen=now, last_seen=now
                )
                for p in PAYLOADS
            ]
        )
    )
    watched = open_page(browser)
    page = watched.page
    log_in(watched, stack.url, "admin", ADMIN_PASSWORD)
    for path in ("/", "/events", "/attackers", "/attackers/198.51.100.66", "/credentials"):
        page.goto(f"{stack.url}{path}")
        page.wait_for_load_state("networkidle")
        page.locator("details").evaluate_all("ds => ds.forEach(d => d.open = true)")
        text = page.locator("main").inner_text()
        if path != "/attackers":  # the list shows addresses and numbers only
            for payload in PAYLOADS:
                assert payload in text, (path, payload)
        assert (
            page.locator("main script, main img, main svg:not(.chart), main a[href^='javascript:']").count()
            == 0
        )
        no_script_ran(watched)
        if path.startswith("/attackers/"):
            shot(page, "attacker-hostile")
    # the same payloads arriving through the live stream are rendered by events.js as text
    page.goto(f"{stack.url}/events")
    expect(page.locator("#stream-state")).to_have_text("live")
    stack.server.call(stack.repo.add_events([hostile_event(i, p + " live") for i, p in enumerate(PAYLOADS)]))
    expect(page.locator("#events tbody tr", has_text="live").first).to_be_visible(timeout=20_000)
    page.wait_for_timeout(1500)
    text = page.locator("#events").inner_text()
    for payload in PAYLOADS:
        assert payload + " live" in text
    assert (
        page.locator("#events script, #events img, #events svg, #events a[href^='javascript:']").count() == 0
    )
    no_script_ran(watched)
    shot(page, "hostile-live")
    page.context.close()


def test_the_default_admin_is_forced_to_change_its_password(stack: Stack, browser: Browser) -> None:
    from decnet.web import security

    stack.server.call(
        stack.repo.create_user(
            "boss", security.hash_password("boss-password-12"), role="admin", must_change_password=True
        )
    )
    watched = open_page(browser)
    page = watched.page
    log_in(watched, stack.url, "boss", "boss-password-12")
    expect(page).to_have_url(re.compile(r"/change-password$"))
    page.goto(f"{stack.url}/fleet")
    expect(page).to_have_url(re.compile(r"/change-password$"))
    page.fill("#old_password", "boss-password-12")
    page.fill("#new_password", "boss-new-password-12")
    page.fill("#confirm", "boss-new-password-12")
    page.press("#confirm", "Enter")
    expect(page.locator("h1")).to_have_text("Overview")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.context.close()
