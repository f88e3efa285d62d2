"""At-least-once event sender for decky runtimes and workers.

``send()`` formats and frames an event and puts it in a bounded :class:`Spool`; a
background task keeps one connection to the collector (unix socket, TCP or TLS) and
writes spooled frames. Frames stay in flight until the collector acknowledges them
with ``ACK <n>\\n`` (cumulative count of frames it has stored from this connection);
after a reconnect every unacknowledged frame is written again. The collector stores
idempotently on ``eid``, so a resend never makes a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from decnet.events.framing import frame_for_sending
from decnet.events.model import Event
from decnet.events.rfc5424 import format_event
from decnet.events.spool import Spool

log = logging.getLogger("decnet.events.sender")

_ACK_LINE_MAX = 64


@dataclass(frozen=True, slots=True)
class Target:
    """Where a sender connects: ``unix:/path``, ``tcp://host:port`` or ``tls://host:port``."""

    kind: str  # "unix" | "tcp"
    path: str = ""
    host: str = ""
    port: int = 0
    tls: bool = False

    @classmethod
    def parse(cls, text: str) -> Target:
        """Parse a target string; raise ``ValueError`` naming the expected forms."""
        if text.startswith("unix:"):
            path = text[5:]
            if not path:
                raise ValueError(f"bad target {text!r}: expected unix:/path/to/socket")
            return cls("unix", path=path)
        parts = urlsplit(text)
        if parts.scheme in {"tcp", "tls"} and parts.hostname and parts.port:
            return cls("tcp", host=parts.hostname, port=parts.port, tls=parts.scheme == "tls")
        raise ValueError(f"bad target {text!r}: expected unix:/path, tcp://host:port or tls://host:port")

    def __str__(self) -> str:
        if self.kind == "unix":
            return f"unix:{self.path}"
        return f"{'tls' if self.tls else 'tcp'}://{self.host}:{self.port}"


@dataclass(slots=True)
class SenderStats:
    """Counters of a sender since it started."""

    queued: int = 0
    written: int = 0
    acked: int = 0
    resent: int = 0
    dropped: int = 0
    invalid: int = 0
    connects: int = 0
    connect_failures: int = 0


class EventSender:
    """Keeps events until the collector confirms them (at-least-once delivery)."""

    def __init__(
        self,
        target: Target | str,
        spool: Spool | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        window: int = 2000,
        expect_acks: bool = True,
        reconnect_max_delay: float = 5.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self.target = Target.parse(target) if isinstance(target, str) else target
        if self.target.tls and ssl_context is None:
            raise ValueError("a tls:// target needs an ssl_context")
        self.spool = spool if spool is not None else Spool()
        self.stats = SenderStats()
        self._ssl = ssl_context if self.target.tls else None
        self._window = window
        self._expect_acks = expect_acks
        self._reconnect_max_delay = reconnect_max_delay
        self._connect_timeout = connect_timeout
        self._inflight: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        if not len(self.spool):
            self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    # -- public -------------------------------------------------------------------

    def send(self, event: Event) -> bool:
        """Queue one event; False if it is invalid or the spool had to drop it. Never blocks."""
        try:
            frame = frame_for_sending(format_event(event))
        except ValueError as exc:
            self.stats.invalid += 1
            log.error("event not sent, it cannot be formatted: %s", exc)
            return False
        return self.send_frame(frame)

    def send_frame(self, frame: bytes) -> bool:
        """Queue one already framed message."""
        if not self.spool.put(frame):
            self.stats.dropped += 1
            return False
        self.stats.queued += 1
        self._idle.clear()
        self._wakeup.set()
        return True

    @property
    def pending(self) -> int:
        """Frames not yet confirmed (spooled plus in flight)."""
        return len(self.spool) + len(self._inflight)

    async def start(self) -> None:
        """Start the background connection task (idempotent)."""
        if self._task is None or self._task.done():
            self._closing = False
            self._task = asyncio.create_task(self._run(), name=f"decnet-sender-{self.target}")

    async def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued frame is confirmed; False on timeout."""
        if not self.pending:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self, flush_timeout: float = 5.0) -> None:
        """Flush for up to ``flush_timeout`` s, then stop; unconfirmed frames stay in the spool."""
        if self._task is None:
            return
        await self.flush(flush_timeout)
        self._closing = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        # Return what is still in flight to the front of the spool's order for a later run.
        leftovers = list(self._inflight) + self.spool.take(len(self.spool))
        self._inflight.clear()
        for frame in leftovers:
            self.spool.put(frame)
        self.spool.spill_all()
        self.spool.close()

    # -- connection loop ------------------------------------------------------------

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.target.kind == "unix":
            coro = asyncio.open_unix_connection(self.target.path)
        else:
            coro = asyncio.open_connection(self.target.host, self.target.port, ssl=self._ssl)
        return await asyncio.wait_for(coro, self._connect_timeout)

    async def _run(self) -> None:
        delay = 0.05
        while not self._closing:
            try:
                reader, writer = await self._connect()
            except (OSError, TimeoutError, ssl.SSLError) as exc:
                self.stats.connect_failures += 1
                if self.stats.connect_failures in (1, 10) or self.stats.connect_failures % 100 == 0:
                    log.warning(
                        "collector %s unreachable (%s); %d events waiting", self.target, exc, self.pending
                    )
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, self._reconnect_max_delay)
                continue
            delay = 0.05
            self.stats.connects += 1
            try:
                await self._session(reader, writer)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ssl.SSLError) as exc:
                log.info("connection to collector %s lost: %s", self.target, exc)
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Send on one connection until it fails; resend what the last one left unconfirmed."""
        acked_here = 0
        lost = asyncio.Event()

        async def read_acks() -> None:
            nonlocal acked_here
            try:
                while True:
                    line = await reader.readline()
                    if not line or not line.endswith(b"\n") or len(line) > _ACK_LINE_MAX:
                        break
                    if not line.startswith(b"ACK "):
                        continue
                    total = int(line[4:].strip())
                    confirmed = min(total - acked_here, len(self._inflight))
                    if confirmed <= 0:
                        continue
                    for _ in range(confirmed):
                        self._inflight.popleft()
                    acked_here += confirmed
                    self.stats.acked += confirmed
                    self._wakeup.set()
            except (OSError, ValueError, ConnectionError, ssl.SSLError):
                pass
            finally:
                lost.set()
                self._wakeup.set()

        ack_task = asyncio.create_task(read_acks()) if self._expect_acks else None
        try:
            if self._inflight:
                self.stats.resent += len(self._inflight)
                writer.write(b"".join(self._inflight))
                await writer.drain()
            while not lost.is_set():
                self._wakeup.clear()
                room = self._window - len(self._inflight)
                frames = self.spool.take(min(room, 500)) if room > 0 else []
                if frames:
                    self._inflight.extend(frames)
                    writer.write(b"".join(frames))
                    await writer.drain()
                    self.stats.written += len(frames)
                    if not self._expect_acks:
                        self._inflight.clear()
                        self.stats.acked += len(frames)
                    continue
                if not self._inflight and not len(self.spool):
                    self._idle.set()
                await self._wakeup.wait()
        finally:
            if ack_task is not None:
                ack_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ack_task
