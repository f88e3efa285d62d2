"""Helpers shared by the tests of the text-protocol services (smtp, smtp_relay, ftp, tftp, imap, pop3, telnet)."""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import functools
import re
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from decnet.fleet.persona import Persona
from decnet.services.base import Service, ServiceContext
from tests.decnet.services.http.conftest import Events, make_persona

__all__ = [
    "Events",
    "feed",
    "free_port",
    "nmap_service",
    "persona",
    "running",
    "service",
    "slow_drip",
    "talk",
]

_VERSIONS = {
    "debian": {"vsftpd": "3.0.3", "proftpd": "1.3.8", "postfix": "3.7.10", "dovecot": "2.3.19.1"},
    "ubuntu22": {"vsftpd": "3.0.5", "proftpd": "1.3.7c", "postfix": "3.6.4", "dovecot": "2.3.16"},
    "rocky9": {"vsftpd": "3.0.5", "proftpd": "1.3.8b", "postfix": "3.5.9", "dovecot": "2.3.16"},
}


def persona(kind: str = "ubuntu22", **changes: Any) -> Persona:
    """A persona of a Linux distro (``debian``, ``ubuntu22``, ``rocky9``), ``windows`` or ``cisco``."""
    if kind == "windows":
        base = make_persona("iis", hostname="SRV-ATLAS-07")
        base = dataclasses.replace(
            base,
            os_profile="windows_server",
            distro_name="Windows Server 2019 Standard",
            kernel="10.0.17763.5329",
            versions=(("windows_build", "17763"), ("windows_ubr", "5329"), ("windows_version", "10.0")),
        )
    elif kind == "cisco":
        base = dataclasses.replace(
            make_persona("nginx", hostname="sw-core-01"),
            os_profile="cisco",
            os_family="cisco",
            distro="ios15",
            distro_name="Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8",
        )
    else:
        names = {
            "debian": "Debian GNU/Linux 12 (bookworm)",
            "ubuntu22": "Ubuntu 22.04.4 LTS",
            "rocky9": "Rocky Linux 9.3 (Blue Onyx)",
        }
        base = dataclasses.replace(
            make_persona("nginx", hostname="mail01.corp.example", distro=kind),
            distro_name=names[kind],
            versions=tuple(_VERSIONS[kind].items()),
        )
    return dataclasses.replace(base, **changes)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(
    cls: type[Service],
    who: Persona | None = None,
    *,
    state_dir: Path | None = None,
    **config: Any,
) -> AsyncIterator[tuple[Any, int, Events]]:
    """``cls`` on 127.0.0.1 (an ephemeral port unless ``ports`` is given): (service, first port, events)."""
    events = Events()
    with tempfile.TemporaryDirectory(prefix="decnet-svc-") as scratch:
        ctx = ServiceContext(who or persona(), "127.0.0.1", events, state_dir or Path(scratch))
        config.setdefault("ports", (0,))
        svc = cls(ctx, cls.config_model.model_validate(config))
        await svc.start()
        try:
            yield svc, svc.bound_ports[0], events
        finally:
            await svc.stop()


async def talk(port: int, data: bytes, *, wait: float = 1.0, limit: int = 1 << 20) -> bytes:
    """Send ``data`` and collect what comes back until the server closes or ``wait`` seconds pass quietly."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out = bytearray()
    try:
        writer.write(data)
        await writer.drain()
        while len(out) < limit:
            chunk = await asyncio.wait_for(reader.read(65536), wait)
            if not chunk:
                break
            out += chunk
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()
    return bytes(out)


async def slow_drip(port: int, data: bytes, *, delay: float = 0.02) -> bytes:
    """Send ``data`` one byte at a time; return everything received (the connection stays usable)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out = bytearray()
    try:
        for i in range(len(data)):
            writer.write(data[i : i + 1])
            await writer.drain()
            await asyncio.sleep(delay)
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), 1.0)
            if not chunk:
                break
            out += chunk
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()
    return bytes(out)


async def nmap_service(port: int) -> str:
    """``nmap -sV`` of one loopback port: the service/version text of its line."""
    path = shutil.which("nmap")
    assert path is not None, "nmap missing: run scripts/ensure-test-deps.sh"
    proc = await asyncio.create_subprocess_exec(
        path,
        "-sV",
        "-Pn",
        "-n",
        "--max-retries",
        "1",
        "--host-timeout",
        "60s",
        "-p",
        str(port),
        "127.0.0.1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 90)
    text = out.decode("utf-8", "replace")
    match = re.search(rf"^{port}/tcp\s+open\s+(.*)$", text, re.MULTILINE)
    assert match is not None, text
    return match.group(1)


class FakeWriter:
    """A StreamWriter stand-in that keeps what is written (for driving ``serve`` without sockets)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.transport = self

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        await asyncio.sleep(0)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("198.51.100.7", 40000), "sockname": ("127.0.0.1", 25)}.get(name, default)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None

    async def start_tls(self, *args: Any, **kwargs: Any) -> None:
        raise ConnectionResetError("no TLS in the in-memory session")


async def feed(svc: Any, data: bytes, *, timeout: float = 5.0) -> bytes:
    """Run ``svc.serve`` on a session whose input is ``data`` then EOF; return the output (never hangs)."""
    from decnet.services.smtp.lines import Closed, LineReader
    from decnet.services.smtp.linesvc import Session

    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    writer = FakeWriter()
    sess = Session(reader, writer, LineReader(reader, svc.max_line), 25, "198.51.100.7", 40000)  # type: ignore[arg-type]
    with suppress(Closed):
        await asyncio.wait_for(svc.serve(sess), timeout)
    return bytes(writer.data)


@functools.cache
def _scratch() -> Path:
    path = tempfile.mkdtemp(prefix="decnet-svc-test-")
    atexit.register(shutil.rmtree, path, True)
    return Path(path)


def service(cls: type[Service], who: Persona | None = None, **config: Any) -> Any:
    """An unstarted service (for :func:`feed`)."""
    ctx = ServiceContext(who or persona(), "127.0.0.1", Events(), _scratch())
    return cls(ctx, cls.config_model.model_validate(config))
