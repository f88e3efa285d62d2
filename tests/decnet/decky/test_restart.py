"""The runtime restarts a service that reports a failure, with backoff, and says so in an event."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from decnet.decky import DeckyRuntime, RuntimeConfig
from decnet.events.receiver import EventReceiver
from decnet.services.base import Service
from decnet.services.registry import register_module
from tests.decnet.events.helpers import MemorySink, wait_for

from .helpers import runtime_dict


class Crashy(Service):
    """Test-only service: fails shortly after its first two starts, then stays up."""

    slug = "crashy"
    default_ports = (0,)
    starts: ClassVar[int] = 0
    stops: ClassVar[int] = 0

    async def start(self) -> None:
        type(self).starts += 1
        if type(self).starts <= 2:
            asyncio.get_running_loop().call_later(0.05, self.fail, RuntimeError(f"boom {type(self).starts}"))

    async def stop(self) -> None:
        type(self).stops += 1


SERVICE = Crashy


async def test_failed_service_is_restarted_with_an_event(tmp_path: Path) -> None:
    register_module("crashy", __name__)
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    await receiver.start_unix(tmp_path / "ingest.sock")
    runtime = DeckyRuntime(RuntimeConfig.model_validate(runtime_dict(tmp_path, {"crashy": {}})))
    task = asyncio.create_task(runtime.run())
    try:
        await asyncio.wait_for(runtime.wait_ready(), 5)
        await wait_for(lambda: runtime.restarts.get("crashy") == 2, 5, "two restarts")
        await wait_for(
            lambda: len([e for e in sink.events.values() if e.event_type == "service_restarted"]) == 2,
            5,
            "service_restarted events",
        )
    finally:
        runtime.request_stop()
        assert await asyncio.wait_for(task, 10) == 0
        await receiver.stop()
    assert Crashy.starts == 3 and Crashy.stops == 3
    restarted = sorted(
        (e for e in sink.events.values() if e.event_type == "service_restarted"), key=lambda e: e.timestamp
    )
    assert [e.fields["restarts"] for e in restarted] == ["1", "2"]
    assert restarted[0].fields["reason"] == "RuntimeError('boom 1')"
    assert all(e.service == "crashy" and e.decky == "decky-07" for e in restarted)
