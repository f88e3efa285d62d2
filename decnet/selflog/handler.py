"""Logging handlers: a non-blocking queue front and the target handler on the listener thread."""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from collections import deque
from logging.handlers import QueueHandler, QueueListener

from decnet.selflog.transports import Transport

#: Records held for a target that is down; beyond this the oldest are dropped (and counted).
DEFAULT_MAX_PENDING = 1000

#: First and largest delay between attempts to reach a target that is down.
RETRY_INITIAL_S = 0.5
RETRY_MAX_S = 30.0


def _dropped_notice(count: int, where: str) -> logging.LogRecord:
    return logging.makeLogRecord(
        {
            "name": "decnet.selflog",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": f"{count} log record(s) dropped ({where})",
        }
    )


class TargetHandler(logging.Handler):
    """Formats records and sends them through a :class:`Transport`; never raises into the caller.

    When the target fails the error is reported once through ``handleError``; records are then
    held (up to ``max_pending``) and sent again after a growing delay, without reporting each
    failure. When the target is back the held records go first, then a count of any dropped.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        retry_initial_s: float = RETRY_INITIAL_S,
        retry_max_s: float = RETRY_MAX_S,
    ) -> None:
        super().__init__()
        self.transport = transport
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.dropped = 0
        self.failing = False
        self._pending: deque[bytes] = deque()
        self._max_pending = max_pending
        self._delay = retry_initial_s
        self._next_attempt = 0.0

    @property
    def pending(self) -> int:
        """Records waiting for the target to come back."""
        return len(self._pending)

    def _encode(self, record: logging.LogRecord) -> bytes:
        return self.format(record).encode("utf-8", "backslashreplace")

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the formatted record and send whatever the target takes now."""
        try:
            data = self._encode(record)
        except Exception:
            self.handleError(record)
            return
        self._pending.append(data)
        self._drain(record, force=False)
        while len(self._pending) > self._max_pending:
            self._pending.popleft()
            self.dropped += 1

    def _drain(self, record: logging.LogRecord | None, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now < self._next_attempt:
            return
        while self._pending:
            try:
                self.transport.send(self._pending[0])
            except Exception:
                self._failed(record, now)
                return
            self._pending.popleft()
        if self.failing:
            self.failing, self._delay = False, self.retry_initial_s
        if self.dropped:
            notice = self._encode(_dropped_notice(self.dropped, "log target unreachable"))
            try:
                self.transport.send(notice)
            except Exception:
                self._failed(record, now)
                return
            self.dropped = 0

    def _failed(self, record: logging.LogRecord | None, now: float) -> None:
        with contextlib.suppress(Exception):  # closing a broken socket may fail too
            self.transport.close()
        if not self.failing:
            self.failing = True
            self._delay = self.retry_initial_s
            if record is not None:
                self.handleError(record)  # reported once per outage
        else:
            self._delay = min(self._delay * 2, self.retry_max_s)
        self._next_attempt = now + self._delay

    def flush(self) -> None:
        """Try once more to send held records, ignoring the retry delay."""
        self.acquire()
        try:
            if self._pending or self.dropped:
                self._drain(None, force=True)
        finally:
            self.release()

    def close(self) -> None:
        """Flush, then release the transport."""
        try:
            with contextlib.suppress(Exception):  # shutting down: never raise
                self.flush()
                self.transport.close()
        finally:
            super().close()


class NonBlockingQueueHandler(QueueHandler):
    """Puts records on a bounded queue without waiting; when it is full, drops and counts them."""

    def __init__(self, q: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(q)
        self.dropped = 0

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """Render the message (with traceback and stack) now, as a plain string record."""
        prepared: logging.LogRecord = super().prepare(record)
        prepared.stack_info = None  # already rendered into the message
        return prepared

    def enqueue(self, record: logging.LogRecord) -> None:
        """Enqueue without blocking; a full queue drops the record."""
        try:
            if self.dropped:
                self.queue.put_nowait(_dropped_notice(self.dropped, "log queue full"))
                self.dropped = 0
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1


class BlockingStopListener(QueueListener):
    """A ``QueueListener`` whose stop waits for room for its sentinel instead of failing on a full queue."""

    def enqueue_sentinel(self) -> None:
        """Put the stop sentinel, waiting while the listener drains a full queue."""
        self.queue.put(self._sentinel)  # type: ignore[attr-defined]
