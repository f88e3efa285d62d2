"""Fixtures of the browser tests: a live web app (uvicorn thread, no Ray) with a direct fleet
operator, a real ssh decky service whose events reach the app's repository, and headless
Debian Chromium driven by Playwright.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

import decnet.config.settings as settings_module
from decnet.collector.sink import RepositorySink
from decnet.config.settings import Settings
from decnet.events.model import Event
from decnet.fleet.persona import Persona
from decnet.services.base import ServiceContext
from decnet.services.ssh import SSHConfig, SSHService
from decnet.web import security
from decnet.web.app import create_app
from decnet.web.direct_operator import DirectFleetOperator
from tests.decnet.web.liveserver import LiveServer

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
ADMIN_PASSWORD = "browser-admin-password"
VIEWER_PASSWORD = "browser-viewer-password"
JWT_SECRET = "browser-test-signing-key-0123456789abcdef"


class RepositoryEventSink:
    """A service EventSink that stores each event through the collector's RepositorySink."""

    def __init__(self, sink: RepositorySink) -> None:
        self.sink = sink
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, event: Event) -> bool:
        event.validate()
        task = asyncio.get_running_loop().create_task(self.sink.store([event], []))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def persona() -> Persona:
    return Persona(
        decky="decky-web",
        seed=b"decky-web".ljust(32, b"\x07"),
        hostname="SRV-WEB-01",
        ip="127.0.0.1",
        mac="00:50:56:12:34:57",
        os_profile="linux",
        os_family="linux",
        distro="ubuntu22",
        distro_name="Ubuntu 22.04.4 LTS",
        kernel="5.15.0-91-generic",
        arch="x86_64",
        ssh_banner="SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10",
        ssh_auth_fail_delay_s=0.1,
        http_server="nginx/1.18.0 (Ubuntu)",
        http_flavour="nginx",
        booted_at=datetime.now(UTC) - timedelta(days=3),
        cpu_model="Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
        cpu_count=4,
        mem_total_kb=8_141_072,
    )


@dataclass
class Stack:
    """The running app, its ssh decky service port, its data dir and a loopback subnet for deploys."""

    server: LiveServer
    ssh_port: int
    data_dir: Path
    subnet: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def repo(self) -> Any:
        return self.server.app.state.repo


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("browser-stack")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("DECNET_"):
                patch.delenv(name)
        patch.setattr(settings_module, "DEFAULT_CONFIG_PATH", data_dir / "absent.ini")
        patch.setattr(security, "SCRYPT_N", 2**10)
        patch.setattr(security, "SCRYPT_P", 1)
        settings = Settings(data_dir=data_dir, jwt_secret=JWT_SECRET, admin_password=ADMIN_PASSWORD)
        app = create_app(settings)
        server = LiveServer(app)
        server.start()
        repo = app.state.repo
        operator = DirectFleetOperator(settings, repo, host="browser-host")
        app.state.fleet_operator = operator
        viewer_hash = security.hash_password(VIEWER_PASSWORD)
        server.call(repo.create_user("viewer", viewer_hash, role="viewer", must_change_password=False))
        ssh_port = free_port()
        ctx = ServiceContext(
            persona=persona(),
            bind_host="127.0.0.1",
            events=RepositoryEventSink(RepositorySink(repo)),
            state_dir=data_dir / "ssh-state",
        )
        service = SSHService(ctx, SSHConfig(ports=(ssh_port,), users="ubuntu:ubuntu123"))
        server.call(service.start())
        octet = 100 + secrets.randbelow(150)
        try:
            yield Stack(server, ssh_port, data_dir, f"127.{octet}.{secrets.randbelow(250)}.0/24")
        finally:
            server.call(service.stop())
            server.call(operator.wait_idle(), timeout=60)
            for decky in server.call(repo.list_deckies()):  # never leave a decky process behind
                server.call(operator.teardown([decky.name]))
            server.call(operator.wait_idle(), timeout=60)
            server.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-test-deps.sh")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watched:
    """A page with everything its scripts said: console errors, dialogs, page errors."""

    page: Page
    console_errors: list[str]
    dialogs: list[str]
    page_errors: list[str]


def open_page(browser: Browser) -> Watched:
    """A new page in a fresh context, with listeners for console errors, dialogs and page errors."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    watched = Watched(page, [], [], [])
    page.on("console", lambda m: watched.console_errors.append(m.text) if m.type == "error" else None)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: watched.page_errors.append(str(e)))
    return watched


def log_in(watched: Watched, url: str, username: str, password: str) -> None:
    """Log in through the form with the keyboard."""
    page = watched.page
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_load_state("networkidle")


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/browser/."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sshpass_available() -> bool:
    return shutil.which("sshpass") is not None and shutil.which("ssh") is not None
