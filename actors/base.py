"""What every DECNET worker actor shares: its own event loop, heartbeat, persisted counters.

A worker's asyncio work runs in a loop on a thread the actor starts in ``__init__``, so the
worker is running as soon as Ray has (re)created the actor: after a crash Ray re-runs
``__init__`` and the worker resumes by itself, from the cursor and counters it persisted in
the repository. Actor methods are thin, synchronous views into that loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from decnet.config import Settings
from decnet.db import SQLModelRepository, connect_with_retry, get_repository
from decnet.selflog import configure_logging

T = TypeVar("T")

#: Seconds between heartbeats (and counter saves).
HEARTBEAT_S = 2.0


class LoopThread:
    """An asyncio loop on a daemon thread, with a way to run coroutines on it from outside."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Start ``coro`` on the loop without waiting."""
        asyncio.run_coroutine_threadsafe(coro, self.loop)


class WorkerCore:
    """The loop-side half of a worker: repository, heartbeat and counters."""

    def __init__(self, name: str, subsystem: str, settings: Settings) -> None:
        self.name = name
        self.settings = settings
        self.node = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = time.time()
        self.counters: dict[str, int] = {}
        self.cursor = 0
        self.ready = False
        self.error: str | None = None
        self.repo: SQLModelRepository | None = None
        self.log = logging.getLogger(f"decnet.{subsystem}")

    async def open_repository(self) -> SQLModelRepository:
        """Connect (retrying with backoff) and load the persisted cursor and counters."""
        repo = get_repository(self.settings)
        await connect_with_retry(repo, self.settings.db_connect_retries, self.settings.db_retry_max_delay_s)
        state = await repo.get_worker_state(self.name)
        if state is not None:
            self.cursor = int(state.cursor or 0)
            self.counters = {k: int(v) for k, v in (state.counters or {}).items()}
            self.log.info("%s resumes at cursor %d with counters %s", self.name, self.cursor, self.counters)
        self.repo = repo
        return repo

    @contextlib.asynccontextmanager
    async def starting(self, failure: str | None = None) -> AsyncIterator[None]:
        """Record an exception raised in the block as the worker's ``error`` and re-raise it.

        With ``failure``, the error is also logged as ``"<failure>: <error>"``.
        """
        try:
            yield
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            if failure is not None:
                self.log.error("%s: %s", failure, self.error)
            raise

    async def beating(self, body: Awaitable[T]) -> T:
        """Await ``body`` with the heartbeat running beside it."""
        heartbeat = asyncio.create_task(self.heartbeat_forever())
        try:
            return await body
        finally:
            heartbeat.cancel()

    async def heartbeat_forever(self) -> None:
        """Write the heartbeat row and the counters every few seconds."""
        while True:
            await self.save()
            await asyncio.sleep(HEARTBEAT_S)

    async def save(self) -> None:
        """Persist heartbeat, cursor and counters now (errors are logged, not raised)."""
        if self.repo is None:
            return
        try:
            await self.repo.save_worker_state(self.name, self.cursor, dict(self.counters))
            await self.repo.heartbeat(self.name, self.node, self.pid)
        except Exception as exc:
            self.log.warning("%s: heartbeat failed: %s", self.name, exc)

    def health(self) -> dict[str, Any]:
        """What ``check_health`` reports."""
        return {
            "name": self.name,
            "ready": self.ready,
            "error": self.error,
            "node": self.node,
            "pid": self.pid,
            "uptime_s": round(time.time() - self.started_at, 1),
            "cursor": self.cursor,
            "counters": dict(self.counters),
        }


class PassLoop:
    """A worker's passes: one every ``interval_s``, or at once when :meth:`run_now` wakes it."""

    def __init__(self, loop: LoopThread, interval_s: float) -> None:
        self.loop = loop
        self.interval_s = interval_s
        #: Passes that completed (a pass that returns False does not count).
        self.passes = 0
        self._wake: asyncio.Event | None = None

    async def run(self, one_pass: Callable[[], Awaitable[bool]]) -> None:
        """Run ``one_pass`` forever, waiting ``interval_s`` (or a wake-up) between passes."""
        self._wake = wake = asyncio.Event()
        while True:
            if await one_pass():
                self.passes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.interval_s)
            wake.clear()

    def run_now(self, timeout: float) -> bool:
        """Wake the loop and block until a pass completes (True) or ``timeout`` passes (False)."""
        started = self.passes
        if self._wake is not None:
            self.loop.loop.call_soon_threadsafe(self._wake.set)
        deadline = time.monotonic() + timeout
        while self.passes <= started:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True


class WorkerActor:
    """Actor methods every worker shares; a ``@ray.remote`` worker class inherits them.

    The subclass sets ``core`` and ``loop`` in its ``__init__``.
    """

    core: WorkerCore
    loop: LoopThread

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until the worker is ready (True), or False once ``timeout`` passes or it failed
        (``check_health`` tells why)."""
        deadline = time.monotonic() + timeout
        while not self.core.ready:
            if self.core.error or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def pid(self) -> int:
        """The actor's process id (for operators and chaos tests)."""
        return self.core.pid

    def shutdown(self) -> None:
        """Save the counters before the actor is killed."""
        self.loop.call(self.core.save())

    def _health(self, label: str) -> dict[str, Any]:
        """The core's health; raises ``RuntimeError("<label>: <error>")`` if the worker failed."""
        if self.core.error:
            raise RuntimeError(f"{label}: {self.core.error}")
        return self.core.health()


def worker_settings(overrides: dict[str, Any] | None) -> Settings:
    """Settings for an actor: the process's DECNET_* env plus the overrides the bootstrapper passed."""
    return Settings(**(overrides or {}))


def start_logging(subsystem: str, settings: Settings) -> None:
    """The worker's own RFC 5424 log under APP-NAME ``decnet.<subsystem>``."""
    configure_logging(subsystem, settings)
