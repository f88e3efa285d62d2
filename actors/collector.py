"""The collector actor: one per decky host, owning that host's ingest socket.

It listens on the unix socket deckies write to (and on TLS TCP for remote senders when
configured), parses frames and stores batches idempotently through the repository. Its
counters (received, stored, duplicates, quarantined, lag) are saved with its heartbeat and
carried over a restart. A restarted collector binds the socket again; senders reconnect and
resend what was not acknowledged, so nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from typing import Any

import ray

from actors.base import LoopThread, WorkerActor, WorkerCore, start_logging, worker_settings
from decnet.collector import RepositorySink
from decnet.events.model import Event, Rejected
from decnet.events.receiver import EventReceiver


class _CountingSink:
    """The repository sink, counting into the worker's counters as batches are stored."""

    def __init__(self, inner: RepositorySink, core: WorkerCore) -> None:
        self.inner = inner
        self.core = core

    async def store(self, events: list[Event], rejected: list[Rejected]) -> None:
        before = (self.inner.counters.stored, self.inner.counters.duplicates, self.inner.counters.quarantined)
        await self.inner.store(events, rejected)
        counters = self.core.counters
        counters["stored"] = counters.get("stored", 0) + self.inner.counters.stored - before[0]
        counters["duplicates"] = counters.get("duplicates", 0) + self.inner.counters.duplicates - before[1]
        counters["quarantined"] = counters.get("quarantined", 0) + self.inner.counters.quarantined - before[2]
        counters["received"] = counters.get("received", 0) + len(events) + len(rejected)
        if events:
            newest = max(e.timestamp for e in events)
            counters["lag_ms"] = max(0, int((datetime.now(UTC) - newest).total_seconds() * 1000))


def _server_tls(cert: str, key: str, ca: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if ca:
        context.load_verify_locations(ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


@ray.remote
class CollectorActor(WorkerActor):
    """Ingest for one decky host (named ``collector:<host>``)."""

    def __init__(self, host: str, settings: dict[str, Any] | None = None) -> None:
        self.host = host
        self.settings = worker_settings(settings)
        start_logging("collector", self.settings)
        self.core = WorkerCore(f"collector:{host}", "collector", self.settings)
        self.receiver: EventReceiver | None = None
        self.tcp_port: int | None = None
        self.loop = LoopThread(f"collector-{host}")
        self.loop.spawn(self._run())

    async def _run(self) -> None:
        core = self.core
        async with core.starting(f"collector for {self.host} cannot start"):
            repo = await core.open_repository()
            s = self.settings
            receiver = EventReceiver(
                _CountingSink(RepositorySink(repo), core),
                max_frame=s.event_max_bytes,
                batch_size=s.ingest_batch_size,
                flush_interval=s.ingest_flush_ms / 1000,
            )
            await receiver.start_unix(s.ingest_socket)
            if s.ingest_tcp_port and s.ingest_tls_cert and s.ingest_tls_key:
                ca = str(s.ingest_tls_ca) if s.ingest_tls_ca else None
                context = _server_tls(str(s.ingest_tls_cert), str(s.ingest_tls_key), ca)
                self.tcp_port = await receiver.start_tcp(s.ingest_tcp_host, s.ingest_tcp_port, context)
            self.receiver = receiver
            core.ready = True
            core.log.info("collector for %s listening on %s", self.host, s.ingest_socket)
        await core.heartbeat_forever()

    # -- actor methods -----------------------------------------------------------------

    def check_health(self) -> dict[str, Any]:
        """Raise if the collector is not listening; else its health and counters."""
        health = self._health(f"collector {self.host}")
        if self.receiver is not None:
            stats = self.receiver.stats
            health["receiver"] = {
                "connections": stats.open_connections,
                "frames": stats.frames,
                "accepted": stats.accepted,
                "quarantined": stats.quarantined,
                "sink_errors": stats.sink_errors,
                "reasons": dict(stats.reasons),
            }
        health["tcp_port"] = self.tcp_port
        return health

    def counters(self) -> dict[str, int]:
        """Counters since the collector first ran (carried over restarts)."""
        return dict(self.core.counters)

    def flush(self) -> dict[str, int]:
        """Store what is pending and save the counters now."""
        if self.receiver is not None:
            self.loop.call(self.receiver.flush())
        self.loop.call(self.core.save())
        return dict(self.core.counters)

    def shutdown(self) -> None:
        """Stop listening and store what was received (before the actor is killed)."""
        if self.receiver is not None:
            self.loop.call(self.receiver.stop())
        self.loop.call(self.core.save())
