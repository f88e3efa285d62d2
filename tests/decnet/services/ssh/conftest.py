"""Fixtures of the ssh tests: personas, an in-memory event sink, a running service on a free port."""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from decnet.events.model import Event
from decnet.fleet.persona import Persona
from decnet.services.base import ServiceContext
from decnet.services.ssh import SSHConfig, SSHService
from decnet.services.ssh.hostkeys import load_or_create_host_keys

BANNER = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10"


def make_persona(**overrides: Any) -> Persona:
    """An Ubuntu 22.04 persona; keyword arguments replace fields."""
    persona = Persona(
        decky="decky-01",
        seed=b"decky-01".ljust(32, b"\x05"),
        hostname="SRV-ATLAS-07",
        ip="192.168.1.110",
        mac="00:50:56:12:34:56",
        os_profile="linux",
        os_family="linux",
        distro="ubuntu22",
        distro_name="Ubuntu 22.04.4 LTS",
        kernel="5.15.0-91-generic",
        arch="x86_64",
        ssh_banner=BANNER,
        ssh_auth_fail_delay_s=0.4,
        http_server="nginx/1.18.0 (Ubuntu)",
        http_flavour="nginx",
        booted_at=datetime.now(UTC) - timedelta(days=12, hours=3, minutes=4),
        cpu_model="Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
        cpu_count=4,
        mem_total_kb=8_141_072,
    )
    return replace(persona, **overrides)


class Sink:
    """Collects events in memory."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def send(self, event: Event) -> bool:
        event.validate()
        self.events.append(event)
        return True

    def of(self, event_type: str) -> list[Event]:
        """Events of one type, in order."""
        return [e for e in self.events if e.event_type == event_type]


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def shared_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Host keys generated once; services copy them so they start fast."""
    path = tmp_path_factory.mktemp("ssh-keys")
    load_or_create_host_keys(path)
    return path


@pytest.fixture
def serve(tmp_path: Path, shared_keys: Path) -> Callable[..., Any]:
    """``async with serve(users=..., persona=...) as (service, port, sink)``: a running ssh service."""

    @asynccontextmanager
    async def run(
        persona: Persona | None = None, state_dir: Path | None = None, fresh_keys: bool = False, **config: Any
    ) -> AsyncIterator[tuple[SSHService, int, Sink]]:
        port = free_port()
        state = state_dir or tmp_path / f"state-{port}"
        if not fresh_keys and not state.exists():
            shutil.copytree(shared_keys, state)
        sink = Sink()
        ctx = ServiceContext(
            persona=persona or make_persona(), bind_host="127.0.0.1", events=sink, state_dir=state
        )
        config.setdefault("users", "ubuntu:ubuntu123, root:toor")
        service = SSHService(ctx, SSHConfig(ports=(port,), **config))
        await service.start()
        try:
            yield service, port, sink
        finally:
            await service.stop()

    return run


def client_options(**extra: Any) -> dict[str, Any]:
    """asyncssh client options: no host key check, no keys or agent unless given."""
    options: dict[str, Any] = {
        "known_hosts": None,
        "client_keys": None,
        "agent_path": None,
        "preferred_auth": "password",
    }
    options.update(extra)
    return options


async def login(
    port: int, username: str = "ubuntu", password: str = "ubuntu123", **extra: Any
) -> asyncssh.SSHClientConnection:
    """An authenticated asyncssh client connection."""
    return await asyncssh.connect(
        "127.0.0.1", port, username=username, password=password, **client_options(**extra)
    )
