"""One interface's sniffer: a capture thread feeding the analyser, and a flush loop.

The capture thread reads filtered frames from the packet socket and feeds the
:class:`~decnet.sniffer.analyzer.Analyzer`; every ``flush_interval_s`` the asyncio side takes
what the analyser gathered and stores it: fingerprints through
``repository.upsert_fingerprints`` and scan events through ``repository.add_events``, which
ignores an event id it already holds, so a batch retried after a failure is stored once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

from decnet.db.models import Fingerprint
from decnet.db.repository import SQLModelRepository
from decnet.events.model import Event
from decnet.fleet.internal import InternalSources, hairpin_of, parse_sources
from decnet.sniffer.analyzer import Analyzer
from decnet.sniffer.capture import kernel_stats, open_capture
from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.ring import Ring

#: Bytes per block of the receive ring.
RING_BLOCK = 1 << 20
#: Seconds between refreshes of the decky address-to-name map.
DECKY_REFRESH_S = 30.0


class Sniffer:
    """Capture on ``iface`` and store what the analyser derives into ``repo``."""

    def __init__(
        self,
        iface: str,
        repo: SQLModelRepository,
        config: SnifferConfig | None = None,
        *,
        promisc: bool = True,
        log: logging.Logger | None = None,
        internal: str | None = None,
    ) -> None:
        """``internal``: extra internal sources (``DECNET_INTERNAL_SOURCES``), added to the hairpins
        of the recorded deckies and the prober's source, which scan detection ignores."""
        self.iface = iface
        self.repo = repo
        self.config = config or SnifferConfig()
        self.promisc = promisc
        self.log = log or logging.getLogger("decnet.sniffer")
        self.analyzer = Analyzer(self.config)
        parse_sources(internal)  # a bad setting fails here, not at the first refresh
        self.internal = internal
        self.analyzer.scans.internal = InternalSources.of((), internal)
        self.lock = threading.Lock()
        self.error: str | None = None
        self.stored = {"fingerprint_rows": 0, "scan_events": 0, "store_errors": 0, "invalid_events": 0}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._ring: Ring | None = None
        self._fingerprints: list[Fingerprint] = []
        self._events: list[Event] = []
        self._deckies_at = 0.0

    # -- capture -------------------------------------------------------------------------

    def start(self) -> None:
        """Open the packet socket (OSError without CAP_NET_RAW or interface) and start capturing."""
        sock = open_capture(self.iface, self.config.snaplen, self.config.rcvbuf, promisc=self.promisc)
        try:
            if self.config.ring_blocks:
                self._ring = Ring(sock, block_size=RING_BLOCK, blocks=self.config.ring_blocks)
            else:
                sock.settimeout(0.25)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        target = self._capture_ring if self._ring is not None else self._capture
        self._thread = threading.Thread(target=target, name=f"sniffer-{self.iface}", daemon=True)
        self._thread.start()

    def _capture_ring(self) -> None:
        """Walk the ring block by block (the analyser's lock held per block, not per frame)."""
        ring = self._ring
        assert ring is not None
        feed, lock = self.analyzer.feed, self.lock
        try:
            while not self._stop.is_set():
                if not ring.ready():
                    ring.wait(250)
                    continue
                with lock:
                    ring.read_block(feed)
        except (OSError, ValueError) as exc:
            if not self._stop.is_set():
                self.error = f"capture stopped: {exc}"
                self.log.error("sniffer %s: %s", self.iface, self.error)

    def _capture(self) -> None:
        """Read frame by frame with ``recv`` (when the ring is disabled)."""
        sock = self._sock
        assert sock is not None
        recv, snaplen, feed, lock, clock = (
            sock.recv,
            self.config.snaplen,
            self.analyzer.feed,
            self.lock,
            time.time,
        )
        while not self._stop.is_set():
            try:
                frame = recv(snaplen)
            except TimeoutError:
                continue
            except OSError as exc:
                if not self._stop.is_set():
                    self.error = f"capture stopped: {exc}"
                    self.log.error("sniffer %s: %s", self.iface, self.error)
                return
            with lock:
                feed(frame, clock())

    @property
    def capturing(self) -> bool:
        """True while the capture thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop capturing and close the socket (pending results stay for a last :meth:`flush`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._ring is not None:
            self._ring.close()
            self._ring = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    # -- storage -------------------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        """The analyser's counters and what was stored."""
        with self.lock:
            return {**self.analyzer.counts, **self.stored, "tracked_flows": len(self.analyzer.flows)}

    def _lost(self, count: int) -> None:
        """Count rows or events dropped because storage is behind (pending bound reached)."""
        if count > 0:
            with self.lock:
                self.analyzer.counts["pending_overflow"] += count
                self.analyzer.counts["dropped"] += count

    async def refresh_deckies(self) -> None:
        """Reload the decky address-to-name map scan events are labelled with, and the internal
        sources scan detection ignores (the deckies' hairpins, the prober's, the setting's)."""
        deckies = await self.repo.list_deckies()
        names = {d.ip: d.name for d in deckies if d.ip}
        internal = InternalSources.of((hairpin_of(d.spec) for d in deckies), self.internal)
        with self.lock:
            self.analyzer.decky_names = names
            self.analyzer.scans.internal = internal
        self._deckies_at = time.monotonic()

    async def flush(self) -> None:
        """Store what was gathered; on failure keep it (bounded) for the next flush."""
        now = time.time()
        with self.lock:
            rows, events = self.analyzer.drain(now)
            if self._sock is not None:
                self.analyzer.note_kernel_drops(kernel_stats(self._sock)[1])
        pending = self._fingerprints + rows
        self._lost(len(pending) - self.config.max_pending)
        self._fingerprints = pending[: self.config.max_pending]
        for event in events:
            try:
                event.validate()
            except ValueError as exc:
                self.stored["invalid_events"] += 1
                self.log.warning("sniffer %s: scan event not stored: %s", self.iface, exc)
                continue
            if len(self._events) < self.config.max_pending_events:
                self._events.append(event)
            else:
                self._lost(1)
        try:
            if self._fingerprints:
                await self.repo.upsert_fingerprints(self._fingerprints)
                self.stored["fingerprint_rows"] += len(self._fingerprints)
                self._fingerprints = []
            if self._events:
                result = await self.repo.add_events(self._events)
                self.stored["scan_events"] += result.inserted
                for event in self._events:
                    self.log.info(
                        "scan from %s: %s ports, %s deckies, signature %s",
                        event.src_ip,
                        event.fields.get("ports"),
                        event.fields.get("deckies"),
                        event.fields.get("signature"),
                    )
                self._events = []
        except Exception as exc:
            self.stored["store_errors"] += 1
            self.log.warning("sniffer %s: storing failed (kept for retry): %s", self.iface, exc)

    async def step(self) -> None:
        """One round: refresh the decky names when due, then flush."""
        if time.monotonic() - self._deckies_at > DECKY_REFRESH_S:
            try:
                await self.refresh_deckies()
            except Exception as exc:
                self.log.warning("sniffer %s: decky names not refreshed: %s", self.iface, exc)
                self._deckies_at = time.monotonic()
        await self.flush()

    async def run(self) -> None:
        """A :meth:`step` every ``flush_interval_s`` until cancelled."""
        while True:
            await asyncio.sleep(self.config.flush_interval_s)
            await self.step()
