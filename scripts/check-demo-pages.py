"""Open every dashboard page of a running `make demo` in headless Chromium; report what broke.

    .venv/bin/python scripts/check-demo-pages.py [--url http://127.0.0.1:8000]

Logs in as the demo's admin (password from .demo/admin-password), visits every page (and the
first attacker's page when there is one), and for each prints the HTTP status, the page title,
console errors, uncaught script errors and dialogs (a dialog means a script ran that should
not have). Screenshots go to .demo/screenshots/. Exits 1 if any page failed. Needs Debian's
chromium (/usr/bin/chromium) and the playwright package (the dev extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/fleet", "/events", "/attackers", "/credentials", "/workers", "/users", "/change-password"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    password = (ROOT / ".demo" / "admin-password").read_text().strip()
    shots = ROOT / ".demo" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    failed = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"script error: {e}"))
        page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
        page.goto(f"{args.url}/login")
        page.fill("#username", "admin")
        page.fill("#password", password)
        page.press("#password", "Enter")
        page.wait_for_load_state("networkidle")
        paths = list(PAGES)
        page.goto(f"{args.url}/attackers")
        link = page.locator("a[href^='/attackers/']").first
        if link.count():
            paths.insert(4, str(link.get_attribute("href")))
        for path in paths:
            errors.clear()
            response = page.goto(f"{args.url}{path}")
            page.wait_for_load_state("networkidle")
            status = response.status if response is not None else 0
            bad = status != 200 or "/login" in page.url or errors
            failed += bool(bad)
            name = path.strip("/").replace("/", "_") or "overview"
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            print(f"{'FAIL' if bad else 'ok  '} {path:<28} {status} {page.title()!r} {'; '.join(errors)}")
        browser.close()
    print(f"screenshots in {shots}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
