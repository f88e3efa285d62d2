"""Helpers shared by the dns, llmnr, snmp, sip, mqtt and ics tests: personas, events, a running service."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from decnet.events.model import Event
from decnet.fleet.persona import Persona
from decnet.services.base import Service, ServiceContext

GIVEAWAYS = ("python", "asyncio", "honeypot", "decnet", "traceback")


def make_persona(**changes: Any) -> Persona:
    """A Debian 12 persona up 12 days (override any field)."""
    persona = Persona(
        decky="decky-01",
        seed=b"decky-01".ljust(32, b"\x07"),
        hostname="SRV-ATLAS-07",
        ip="127.0.0.1",
        mac="00:50:56:12:34:56",
        os_profile="linux",
        os_family="linux",
        distro="debian",
        distro_name="Debian GNU/Linux 12 (bookworm)",
        kernel="6.1.0-18-amd64",
        arch="x86_64",
        ssh_banner="SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2",
        ssh_auth_fail_delay_s=2.0,
        http_server="nginx/1.22.1",
        http_flavour="nginx",
        booted_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=12, hours=3),
        cpu_model="Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
        cpu_count=4,
        mem_total_kb=8_000_000,
        versions=(
            ("bind", "9.18.24-1-Debian"),
            ("net_snmp", "5.9.3"),
            ("mosquitto", "2.0.11"),
            ("asterisk", "18.10.0~dfsg+~cs6.10.40431411-2"),
        ),
    )
    return replace(persona, **changes)


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
                raise AssertionError(f"expected {count} {event_type} events, got {self.items}")
            await asyncio.sleep(0.01)
        return self.of(event_type)


@asynccontextmanager
async def running(
    cls: type[Service],
    *,
    persona: Persona | None = None,
    ports: tuple[int, ...] = (0,),
    host: str = "127.0.0.1",
    **config: Any,
) -> AsyncIterator[tuple[Any, Events]]:
    """``cls`` listening on ``host`` (ephemeral ports unless given): (service, events)."""
    events = Events()
    ctx = ServiceContext(persona or make_persona(), host, events, Path("/nonexistent"))
    svc = cls(ctx, cls.config_model.model_validate({"ports": ports, **config}))
    await svc.start()
    try:
        yield svc, events
    finally:
        await svc.stop()


def tool(name: str) -> str:
    """Path of a client the test drives (installed by scripts/ensure-test-deps.sh)."""
    path = shutil.which(name)
    assert path is not None, f"{name} is missing: run scripts/ensure-test-deps.sh"
    return path


async def run(*argv: str, timeout: float = 30.0, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run a client; (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        tool(argv[0]),
        *argv[1:],
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


async def nmap(port: int, *, udp: bool = False, host: str = "127.0.0.1", extra: tuple[str, ...] = ()) -> str:
    """``nmap -sV`` of one port of ``host`` (bounded); its normal output.

    On a service's well-known port ``--version-intensity 0`` suffices (nmap then sends the
    probes meant for that port), which keeps a TCP scan near nmap's 6 s NULL-probe wait.
    """
    scan = ("-sU", "-sV") if udp else ("-sT", "-sV")
    code, out, err = await run(
        "nmap",
        *scan,
        "-p",
        str(port),
        "-Pn",
        "-n",
        "--max-retries",
        "1",
        "--host-timeout",
        "60s",
        *extra,
        host,
        timeout=90,
    )
    assert code == 0, err
    return out
