"""Install (and remove) DECNET's self-logging on the ``decnet`` logger."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import re
import threading
from dataclasses import dataclass

from decnet.config.logtarget import parse_log_target
from decnet.config.settings import Settings
from decnet.selflog.format import Rfc5424Formatter
from decnet.selflog.handler import BlockingStopListener, NonBlockingQueueHandler, TargetHandler
from decnet.selflog.redact import RedactSecrets
from decnet.selflog.transports import open_transport

#: The logger every DECNET module logs under (``decnet.<module>``).
ROOT_LOGGER = "decnet"

#: Records buffered between callers and the listener thread.
QUEUE_SIZE = 10_000

_SUBSYSTEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,40}")


@dataclass
class _Installed:
    subsystem: str
    settings: Settings
    front: NonBlockingQueueHandler
    listener: BlockingStopListener
    target: TargetHandler
    saved_level: int
    saved_propagate: bool
    pid: int


_lock = threading.Lock()
_installed: _Installed | None = None
_hooks_registered = False


def configure_logging(subsystem: str, settings: Settings) -> None:
    """Send the ``decnet`` logger's records as RFC 5424 (APP-NAME ``decnet.<subsystem>``) to ``log_target``.

    Callers only enqueue; a listener thread formats and sends. Secrets from ``settings`` are
    redacted. Calling it again replaces the previous set-up (flushing it) instead of adding
    a second one. Raises ``ValueError`` for a malformed subsystem name.
    """
    global _installed, _hooks_registered
    if not _SUBSYSTEM.fullmatch(subsystem):
        raise ValueError(f"subsystem {subsystem!r}: expected 1-41 characters of [A-Za-z0-9._-]")
    target = TargetHandler(open_transport(parse_log_target(settings.log_target)))
    target.setFormatter(Rfc5424Formatter(subsystem))
    records: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_SIZE)
    front = NonBlockingQueueHandler(records)
    front.addFilter(RedactSecrets.from_settings(settings))
    listener = BlockingStopListener(records, target)
    logger = logging.getLogger(ROOT_LOGGER)
    with _lock:
        previous, _installed = _installed, None
        if previous is not None:
            _uninstall(previous, logger)
        saved_level, saved_propagate = logger.level, logger.propagate
        listener.start()
        logger.addHandler(front)
        logger.setLevel(settings.log_level)
        logger.propagate = False
        _installed = _Installed(
            subsystem, settings, front, listener, target, saved_level, saved_propagate, os.getpid()
        )
        if not _hooks_registered:
            atexit.register(stop_logging)
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _hooks_registered = True


def stop_logging() -> None:
    """Flush and remove the self-logging set-up; the ``decnet`` logger gets its old level back."""
    global _installed
    with _lock:
        previous, _installed = _installed, None
        if previous is not None:
            _uninstall(previous, logging.getLogger(ROOT_LOGGER))


def _uninstall(state: _Installed, logger: logging.Logger) -> None:
    logger.removeHandler(state.front)
    if state.pid == os.getpid():
        state.listener.stop()  # drains the queue, then joins the thread
        state.target.close()  # one last attempt for records held while the target was down
    else:  # a forked child: the listener thread is not ours; only drop our copies of fds
        state.target.transport.close()
    state.front.close()
    logger.setLevel(state.saved_level)
    logger.propagate = state.saved_propagate


def _after_fork_in_child() -> None:
    """A forked child has no listener thread: rebuild the set-up with fresh locks, queue and sockets."""
    global _lock, _installed
    _lock = threading.Lock()
    state, _installed = _installed, None
    if state is None:
        return
    logger = logging.getLogger(ROOT_LOGGER)
    logger.removeHandler(state.front)
    logger.setLevel(state.saved_level)
    logger.propagate = state.saved_propagate
    with contextlib.suppress(OSError):
        state.target.transport.close()
    configure_logging(state.subsystem, state.settings)
