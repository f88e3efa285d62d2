"""The sniffer actor: one per decoy bridge, pinned to the host that has it.

It asks for the custom resource ``decnet_bridge:<iface>`` (cluster/placement.py), so Ray
places it only on the node that advertises that interface and keeps it pending while that
node is gone. It opens the interface's raw packet socket (the only DECNET process that needs
``CAP_NET_RAW``), stores fingerprints and scan events through the repository, and saves its
counters with its heartbeat; a restarted sniffer resumes counting from the saved values.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ray

from actors.base import LoopThread, WorkerActor, WorkerCore, start_logging, worker_settings
from decnet.sniffer import Sniffer, SnifferConfig

#: Seconds between attempts to open the interface.
RETRY_S = 5.0


@ray.remote
class SnifferActor(WorkerActor):
    """Passive fingerprinting on one interface (named ``sniffer:<iface>``)."""

    def __init__(
        self, iface: str, settings: dict[str, Any] | None = None, config: dict[str, Any] | None = None
    ) -> None:
        self.iface = iface
        self.settings = worker_settings(settings)
        self.config = SnifferConfig(**(config or {}))
        start_logging("sniffer", self.settings)
        self.core = WorkerCore(f"sniffer:{iface}", "sniffer", self.settings)
        self.sniffer: Sniffer | None = None
        self.base: dict[str, int] = {}
        self.loop = LoopThread(f"sniffer-{iface}")
        self.loop.spawn(self._run())

    async def _run(self) -> None:
        core = self.core
        async with core.starting(f"sniffer on {self.iface} cannot reach the repository"):
            repo = await core.open_repository()
        self.base = dict(core.counters)
        heartbeat = asyncio.ensure_future(core.heartbeat_forever())
        sniffer = Sniffer(
            self.iface, repo, self.config, log=core.log, internal=self.settings.internal_sources
        )
        while True:
            try:
                sniffer.start()
                break
            except OSError as exc:
                # No such interface yet (a bridge made later) or no CAP_NET_RAW: say so, retry.
                if core.error is None:
                    core.log.error(
                        "sniffer cannot capture on %s (retrying every %.0fs): %s", self.iface, RETRY_S, exc
                    )
                core.error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(RETRY_S)
        self.sniffer = sniffer
        core.error = None
        core.ready = True
        core.log.info("sniffer capturing on %s", self.iface)
        await asyncio.gather(self._flush_forever(sniffer), heartbeat)

    async def _flush_forever(self, sniffer: Sniffer) -> None:
        while True:
            await asyncio.sleep(self.config.flush_interval_s)
            await sniffer.step()
            self._sync()
            if sniffer.error and not self.core.error:
                self.core.error = sniffer.error

    def _sync(self) -> None:
        """The persisted counters: the values saved before this incarnation plus its own."""
        if self.sniffer is None:
            return
        now = self.sniffer.counters()
        self.core.counters = {
            k: self.base.get(k, 0) + now.get(k, 0) for k in {*self.base, *now} - {"tracked_flows"}
        }

    # -- actor methods -----------------------------------------------------------------

    def check_health(self) -> dict[str, Any]:
        """Raise if capture failed; else health, counters and the interface."""
        health = self._health(f"sniffer {self.iface}")
        if self.sniffer is not None and self.core.ready and not self.sniffer.capturing:
            raise RuntimeError(f"sniffer {self.iface}: capture thread stopped")
        health["iface"] = self.iface
        if self.sniffer is not None:
            health["tracked_flows"] = self.sniffer.counters()["tracked_flows"]
        return health

    def counters(self) -> dict[str, int]:
        """Counters since the sniffer first ran (carried over restarts)."""
        return dict(self.core.counters)

    def flush(self) -> dict[str, int]:
        """Store what is pending and save the counters now."""
        if self.sniffer is not None:
            self.loop.call(self.sniffer.flush())
            self._sync()
        self.loop.call(self.core.save())
        return dict(self.core.counters)

    def shutdown(self) -> None:
        """Stop capturing, store what was gathered, save the counters (before the actor is killed)."""
        if self.sniffer is not None:
            self.sniffer.stop()
            self.loop.call(self.sniffer.flush())
            self._sync()
        self.loop.call(self.core.save())
