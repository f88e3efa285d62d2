"""System test: a real local decky rotated while an HTTP(S) event stream hits it; every event
the decky emitted reaches the repository, also when the collector is down during the switch."""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Awaitable, Callable

import pytest

from decnet.engine.deployer import FleetEngine
from decnet.fleet.planner import plan_fleet
from decnet.mutator.apply import apply_on_host, mutate_decky
from tests.decnet.events.helpers import wait_for

from .conftest import HOST, Stack

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="deckies bind ports 80/443 on 127.x (root)")

AVAILABLE = {"http", "https"}


async def _get(ip: str, port: int, path: str) -> bool:
    """One request; True if an HTTP answer came back."""
    context = None
    if port == 443:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port, ssl=context), 2)
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {ip}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.read(64), 3)
        return head.startswith(b"HTTP/1.")
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    finally:
        writer.close()


class Stream:
    """Requests with unique paths to whichever of ports 80/443 answers, until stopped."""

    def __init__(self, ip: str, tag: str) -> None:
        self.ip, self.tag = ip, tag
        self.sent: list[str] = []
        self.answered: list[str] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        i = 0
        while not self._stop.is_set():
            for port in (80, 443):
                path = f"/{self.tag}-{i}-{port}"
                i += 1
                self.sent.append(path)
                if await _get(self.ip, port, path):
                    self.answered.append(path)
            await asyncio.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()


async def wait_for_async(
    check: Callable[[], Awaitable[bool]], timeout: float = 20.0, what: str = "condition"
) -> None:
    """Poll an async ``check`` until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _stored_paths(stack: Stack, tag: str) -> list[str]:
    events = [s.event for s in await stack.repo.events_after(0, limit=100_000)]
    return [
        e.fields["path"]
        for e in events
        if e.event_type == "request" and e.fields.get("path", "").startswith(f"/{tag}-")
    ]


async def _deploy(stack: Stack, seed: str, prefix: str) -> tuple[str, list[str]]:
    fleet = plan_fleet(
        deckies=1,
        subnet="127.81.0.0/24",
        ip_start=f"127.81.0.{int(seed[:2], 16)}",
        services="http",
        archetype="web-server",
        seed=seed,
        backend="local",
        name_prefix=prefix,
    )
    await stack.desire(fleet)
    result = await apply_on_host(stack.settings, stack.repo, HOST)
    assert result.deployed == [fleet.deckies[0].name], result.failed
    spec = fleet.deckies[0]
    return spec.name, [spec.ip]


async def test_an_event_stream_across_a_rotation_arrives_complete(stack: Stack) -> None:
    name, (ip,) = await _deploy(stack, "41" * 32, "sw")
    stream = Stream(ip, "live")
    task = asyncio.create_task(stream.run())
    try:
        await wait_for(lambda: len(stream.answered) >= 20, timeout=20, what="answers before the switch")
        outcome = await mutate_decky(stack.repo, name, "operator", available=AVAILABLE)
        assert outcome.old_services == ["http"] and set(outcome.new_services) != {"http"}
        result = await apply_on_host(stack.settings, stack.repo, HOST)
        assert result.redeployed == [name] and not result.failed
        before = len(stream.answered)
        await wait_for(
            lambda: len(stream.answered) >= before + 20, timeout=20, what="answers after the switch"
        )
    finally:
        stream.stop()
        await task
    runtime = (FleetEngine(stack.settings, "local").root / name / "runtime.json").read_text()
    for slug in outcome.new_services:
        assert f'"{slug}"' in runtime
    answered = set(stream.answered)
    await wait_for_async(lambda: _covered(stack, "live", answered), what="every answered request stored")
    stored = await _stored_paths(stack, "live")
    assert len(stored) == len(set(stored)), "an event stored twice"
    assert set(stored) <= set(stream.sent)
    ports = {p.rsplit("-", 1)[1] for p in answered}
    assert len(answered) >= 40 and ports <= {"80", "443"}
    mutated = [
        s.event
        for s in await stack.repo.events_after(0, limit=100_000)
        if s.event.event_type == "decky_mutated"
    ]
    assert [e.fields["new_services"] for e in mutated] == [",".join(outcome.new_services)]


async def test_events_spooled_while_the_collector_is_down_survive_the_switch(stack: Stack) -> None:
    name, (ip,) = await _deploy(stack, "42" * 32, "down")
    await wait_for_async(lambda: _get(ip, 80, "/warmup"), what="the decky answering")
    await stack.stop_collector()
    paths = [f"/off-{i}" for i in range(30)]
    for path in paths:
        assert await _get(ip, 80, path)
    # The old runtime cannot deliver these: it must keep them (disk spool) for the new one.
    await mutate_decky(stack.repo, name, "operator", available=AVAILABLE)
    result = await apply_on_host(stack.settings, stack.repo, HOST)
    assert result.redeployed == [name]
    await stack.start_collector()
    await wait_for_async(lambda: _covered(stack, "off", set(paths)), timeout=30, what="the spooled events")
    stored = await _stored_paths(stack, "off")
    assert sorted(stored) == sorted(paths)


async def _covered(stack: Stack, tag: str, paths: set[str]) -> bool:
    return paths <= set(await _stored_paths(stack, tag))
