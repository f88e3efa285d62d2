"""Shared by the tests of the stream services: a running service, real clients, nmap, hostile bytes."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from decnet.fleet.persona import Persona
from decnet.services.base import ServiceContext
from decnet.services.streambase import StreamService
from tests.decnet.services.http.conftest import Events, make_persona

S = TypeVar("S", bound=StreamService)

GIVEAWAYS = (b"python", b"asyncio", b"honeypot", b"decnet", b"traceback", b"uvicorn")


def persona(distro: str = "debian", **versions: str) -> Persona:
    """A Linux persona of ``distro`` carrying ``versions``."""
    base = make_persona("nginx", distro=distro)
    return dataclasses.replace(base, versions=tuple(versions.items()))


@asynccontextmanager
async def running(
    cls: type[S], *, who: Persona | None = None, state_dir: Path | None = None, **config: Any
) -> AsyncIterator[tuple[S, list[int], Events]]:
    """``cls`` on 127.0.0.1 and ephemeral ports: (service, bound ports, events)."""
    events = Events()
    with tempfile.TemporaryDirectory(prefix="decnet-svc-") as scratch:  # certificates land here
        ctx = ServiceContext(who or persona(), "127.0.0.1", events, state_dir or Path(scratch))
        ports = config.pop("ports", None) or (0,) * len(cls.default_ports)
        svc = cls(ctx, cls.config_model.model_validate({"ports": ports, **config}))
        await svc.start()
        try:
            yield svc, list(svc.bound_ports), events
        finally:
            await svc.stop()


def need(tool: str) -> str:
    """Path of ``tool`` (skips when missing: scripts/ensure-test-deps.sh installs it)."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (scripts/ensure-test-deps.sh installs it)")
    return path


async def run(
    *argv: str, stdin: bytes = b"", timeout: float = 20.0, env: dict[str, str] | None = None
) -> tuple[int, bytes, bytes]:
    """Run a client: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out, err


def _probes_as(port: int, default_port: int, datadir: Path) -> None:
    """A copy of nmap's probe file in which ``port`` counts as ``default_port`` (probe order).

    Matches are untouched; only the waits shrink (1.5 s per probe instead of 5-6 s), since a
    service on loopback answers at once and a silent probe only costs time.
    """
    source = Path("/usr/share/nmap/nmap-service-probes")
    lines: list[str] = []
    null_probe = False
    for line in source.read_text(encoding="latin-1").splitlines():
        if line.startswith("totalwaitms "):
            continue  # every probe gets the short wait below: loopback answers at once
        if null_probe and line.startswith("tcpwrappedms "):
            line = "tcpwrappedms 1000"
        if line.startswith(("ports ", "sslports ")):
            key, _, items = line.partition(" ")
            if str(default_port) in items.split(","):
                line = f"{key} {items},{port}"
        lines.append(line)
        if line.startswith("Probe "):
            null_probe = line.startswith("Probe TCP NULL ")
            lines.append("totalwaitms 1500")
    (datadir / "nmap-service-probes").write_text("\n".join(lines) + "\n", encoding="latin-1")


async def nmap_sv(port: int, default_port: int | None = None, tmp: Path | None = None, *args: str) -> str:
    """nmap -sV of one port; its service line (``PORT STATE SERVICE VERSION``).

    With ``default_port`` (and a ``tmp`` directory) nmap orders its probes as it would on the
    product's real port, which the tests cannot bind.
    """
    nmap = need("nmap")
    extra: list[str] = []
    if default_port is not None and tmp is not None:
        _probes_as(port, default_port, tmp)
        extra = ["--datadir", str(tmp)]
    code, out, err = await run(
        nmap, "-sV", "-Pn", "-n", "-p", str(port), "--max-retries", "1", "--host-timeout", "60s",
        *extra, *args, "127.0.0.1", timeout=90,
    )  # fmt: skip
    assert code == 0, err
    text = out.decode(errors="replace")
    line = re.search(rf"^{port}/tcp\s+open\s+.*$", text, re.M)
    assert line is not None, text
    return line.group(0)


async def exchange(port: int, data: bytes, *, read_timeout: float = 3.0, limit: int = 1 << 20) -> bytes:
    """Send ``data``; read until the server closes, ``limit`` bytes, or a quiet ``read_timeout``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out = bytearray()
    try:
        writer.write(data)
        await writer.drain()
        while len(out) < limit:
            chunk = await asyncio.wait_for(reader.read(65536), read_timeout)
            if not chunk:
                break
            out += chunk
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()
    return bytes(out)


async def hostile(port: int) -> None:
    """Garbage, a huge length prefix and a slow drip; the service must not crash or hang."""
    payloads = [
        os.urandom(4096),
        b"\xff\xff\xff\x7f" * 8,
        b"\x7f\xff\xff\xff" + b"\x00" * 64,
        b"\x00" * 1024,
        b"GET / HTTP/1.1\r\n\r\n",
    ]
    for data in payloads:
        await exchange(port, data, read_timeout=0.5)
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for byte in b"\x10\x00\x00\x00\x01":  # a few bytes, dripped
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)
    finally:
        writer.close()


class FakeSession:
    """Enough of a :class:`~decnet.services.streambase.Session` for calling handlers directly."""

    def __init__(self, local_port: int = 0) -> None:
        self.local_port = local_port
        self.src_ip = "198.51.100.7"
        self.src_port = 40000
        self.sid = "fuzz"
        self.extra: dict[str, str] = {}
        self.started = 0.0
        self.actions = 0


def service(cls: type[S], who: Persona | None = None, **config: Any) -> tuple[S, Events]:
    """An unstarted service (handlers can be called without sockets)."""
    events = Events()
    ctx = ServiceContext(who or persona(), "127.0.0.1", events, Path("/nonexistent-unstarted"))
    return cls(ctx, cls.config_model.model_validate(config)), events
