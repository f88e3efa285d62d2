"""Fixtures of the http/https tests: personas, an in-memory event list, a running service, curl."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from decnet.events.model import Event
from decnet.fleet.persona import Persona
from decnet.services.base import ServiceContext
from decnet.services.http import HTTPService

SERVERS = {
    "nginx": "nginx/1.18.0 (Ubuntu)",
    "apache": "Apache/2.4.57 (Debian)",
    "iis": "Microsoft-IIS/10.0",
}
DISTROS = {"nginx": "ubuntu20", "apache": "debian", "iis": "debian"}
GIVEAWAYS = (b"python", b"uvicorn", b"aiohttp", b"asyncio", b"werkzeug", b"traceback", b"starlette")


def make_persona(
    flavour: str = "nginx",
    *,
    decky: str = "decky-01",
    hostname: str = "SRV-ATLAS-07",
    ip: str = "127.0.0.1",
    server: str | None = None,
    distro: str | None = None,
) -> Persona:
    windows = flavour == "iis"
    return Persona(
        decky=decky,
        seed=decky.encode().ljust(32, b"\x07")[:32],
        hostname=hostname,
        ip=ip,
        mac="00:50:56:12:34:56",
        os_profile="windows_server" if windows else "linux",
        os_family="windows" if windows else "linux",
        distro=distro or DISTROS[flavour],
        distro_name="Debian GNU/Linux 12 (bookworm)",
        kernel="6.1.0-18-amd64",
        arch="x86_64",
        ssh_banner="SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2",
        ssh_auth_fail_delay_s=2.0,
        http_server=server or SERVERS[flavour],
        http_flavour=flavour,
        booted_at=datetime(2024, 3, 1, 8, 0, tzinfo=UTC),
        cpu_model="Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
        cpu_count=4,
        mem_total_kb=8_000_000,
    )


class Events:
    """An EventSink keeping everything in memory."""

    def __init__(self) -> None:
        self.items: list[Event] = []

    def send(self, event: Event) -> bool:
        event.validate()
        self.items.append(event)
        return True

    def of(self, event_type: str) -> list[Event]:
        return [e for e in self.items if e.event_type == event_type]

    async def wait(self, event_type: str, count: int = 1, timeout: float = 5.0) -> list[Event]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.of(event_type)) < count:
            if loop.time() > deadline:
                raise AssertionError(f"expected {count} {event_type} events, got {self.of(event_type)}")
            await asyncio.sleep(0.01)
        return self.of(event_type)


@asynccontextmanager
async def running(
    flavour: str = "nginx",
    *,
    cls: type[HTTPService] = HTTPService,
    state_dir: Path | None = None,
    persona: Persona | None = None,
    **config: Any,
) -> AsyncIterator[tuple[HTTPService, int, Events]]:
    """A service on 127.0.0.1 and an ephemeral port: (service, port, events)."""
    events = Events()
    ctx = ServiceContext(
        persona or make_persona(flavour), "127.0.0.1", events, state_dir or Path("/nonexistent")
    )
    svc = cls(ctx, cls.config_model.model_validate({"ports": (0,), **config}))
    await svc.start()
    try:
        yield svc, svc.bound_ports[0], events
    finally:
        await svc.stop()


@pytest.fixture
def curl() -> Callable[..., Any]:
    """``await curl(*args)`` -> (exit code, stdout bytes); skips when curl is missing."""
    path = shutil.which("curl")
    if path is None:
        pytest.skip("curl is not installed (make services installs it)")

    async def run(*args: str, timeout: float = 10.0) -> tuple[int, bytes]:
        proc = await asyncio.create_subprocess_exec(
            path,
            "-s",
            "--max-time",
            str(timeout),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await proc.communicate()
        return proc.returncode or 0, out

    return run


async def raw(port: int, data: bytes, *, read_timeout: float = 5.0, limit: int = 1 << 20) -> bytes:
    """Send ``data``; read until the server closes, one full response arrived, or the timeout."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    out = bytearray()
    try:
        while len(out) < limit and not _complete(out, head_only=data.startswith(b"HEAD ")):
            chunk = await asyncio.wait_for(reader.read(65536), read_timeout)
            if not chunk:
                break
            out += chunk
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()
    return bytes(out)


def _complete(data: bytearray, head_only: bool) -> bool:
    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1.1 ") or head.startswith(b"HTTP/1.1 100 "):
        return False
    match = re.search(rb"\r\nContent-Length: (\d+)", head)
    return match is not None and (head_only or len(body) >= int(match[1]))


def split_response(data: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers in order, body) of one response."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [(k, v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
    return lines[0], headers, body
