"""A :class:`~decnet.web.operator.FleetOperator` that deploys on this host itself, without Ray.

It records the desired deckies like the fleet agents' operator does, then runs the same
reconcile pass (:func:`decnet.engine.reconcile.reconcile_host`) in a background task of the
web app's event loop. Used by ``decnet web`` without a constellation and by the browser tests;
one pass at a time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid

from decnet.config.settings import Settings
from decnet.db.repository import SQLModelRepository
from decnet.engine.reconcile import decky_record, reconcile_host, request_teardown
from decnet.fleet.spec import FleetSpec
from decnet.mutator.apply import MutationOutcome, mutate_decky

log = logging.getLogger("decnet.web")


class DirectFleetOperator:
    """Deploys and tears down deckies of this host through the repository and one reconcile pass."""

    def __init__(self, settings: Settings, repo: SQLModelRepository, host: str | None = None) -> None:
        self.settings = settings
        self.repo = repo
        self.host = host or settings.decky_host or os.uname().nodename
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def _reconcile(self) -> None:
        async with self._lock:
            try:
                result = await reconcile_host(self.settings, self.repo, self.host)
            except Exception as error:  # logged; the operation fails on the deckies' states or timeout
                log.error("reconcile of %s failed: %s", self.host, type(error).__name__)
                return
            if result.failed:
                log.warning("reconcile of %s: %d deckies failed", self.host, len(result.failed))

    def _spawn(self) -> None:
        task = asyncio.get_running_loop().create_task(self._reconcile())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deploy(self, fleet: FleetSpec) -> str:
        """Record ``fleet``'s deckies for this host and start converging; return an id at once."""
        for spec in fleet.deckies:
            await self.repo.upsert_decky(
                spec.name,
                host=self.host,
                spec=decky_record(spec, fleet, None),
                ip=spec.ip,
                mac=spec.mac,
                hostname=spec.hostname,
                backend=spec.backend,
            )
            await self.repo.set_decky_actual_state(spec.name, "pending")
        self._spawn()
        return uuid.uuid4().hex

    async def teardown(self, names: list[str]) -> str:
        """Mark ``names`` absent and start converging (they are torn down and forgotten)."""
        await request_teardown(self.repo, names)
        self._spawn()
        return uuid.uuid4().hex

    async def mutate(self, name: str) -> MutationOutcome:
        """Record an operator mutation of ``name`` and start converging (its runtime is replaced)."""
        outcome = await mutate_decky(self.repo, name, "operator")
        self._spawn()
        return outcome

    async def wait_idle(self) -> None:
        """Wait for the background passes started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel the passes still running."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
