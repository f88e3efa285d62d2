"""configure_logging / stop_logging: idempotent, restorable, non-blocking, redacting."""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.selflog import NonBlockingQueueHandler, configure_logging, stop_logging
from tests.decnet.selflog.parse import parse

decnet_logger = logging.getLogger("decnet")
log = logging.getLogger("decnet.tests.setup")


@pytest.fixture(autouse=True)
def _stop_logging() -> Iterator[None]:
    yield
    stop_logging()


def queue_handlers() -> list[logging.Handler]:
    return [h for h in decnet_logger.handlers if isinstance(h, NonBlockingQueueHandler)]


def test_second_call_replaces_instead_of_duplicating(tmp_path: Path) -> None:
    first, second = tmp_path / "1.log", tmp_path / "2.log"
    configure_logging("collector", Settings(log_target=f"file:{first}"))
    log.info("to first")
    configure_logging("web", Settings(log_target=f"file:{second}"))
    configure_logging("web", Settings(log_target=f"file:{second}"))
    assert len(queue_handlers()) == 1
    log.info("to second")
    stop_logging()
    assert [parse(line).app_name for line in first.read_bytes().splitlines()] == ["decnet.collector"]
    assert [parse(line).msg for line in second.read_bytes().splitlines()] == ["to second"]


def test_stop_restores_the_logger(tmp_path: Path) -> None:
    decnet_logger.setLevel(logging.NOTSET)
    configure_logging("web", Settings(log_target=f"file:{tmp_path / 'x.log'}", log_level="WARNING"))
    assert decnet_logger.level == logging.WARNING and decnet_logger.propagate is False
    stop_logging()
    stop_logging()  # a second stop is harmless
    assert decnet_logger.level == logging.NOTSET and decnet_logger.propagate is True
    assert queue_handlers() == []


def test_level_filters_records(tmp_path: Path) -> None:
    path = tmp_path / "lvl.log"
    configure_logging("web", Settings(log_target=f"file:{path}", log_level="WARNING"))
    log.info("hidden")
    log.warning("shown")
    stop_logging()
    assert [parse(line).msg for line in path.read_bytes().splitlines()] == ["shown"]


def test_secrets_are_redacted_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "secret.log"
    settings = Settings(
        log_target=f"file:{path}",
        admin_password="correct horse",
        db_url="mysql+asyncmy://decnet:battery-staple@db/decnet",
    )
    configure_logging("web", settings)
    log.warning("admin password is %s", "correct horse")
    log.warning("db is %s", settings.db_url)
    stop_logging()
    text = path.read_text("utf-8")
    assert "correct horse" not in text and "battery-staple" not in text
    assert [parse(line.encode()).msg for line in text.splitlines()] == [
        "admin password is ********",
        "db is mysql+asyncmy://decnet:********@db/decnet",
    ]


def test_bad_subsystem_name() -> None:
    with pytest.raises(ValueError, match="subsystem"):
        configure_logging("has space", Settings())
    assert queue_handlers() == []


def test_full_queue_drops_and_counts_without_blocking() -> None:
    q: queue.Queue[logging.LogRecord] = queue.Queue(2)
    handler = NonBlockingQueueHandler(q)
    for i in range(5):
        handler.handle(logging.makeLogRecord({"msg": f"r{i}", "name": "decnet.x"}))
    assert q.qsize() == 2 and handler.dropped == 3
    q.get_nowait()
    q.get_nowait()
    handler.handle(logging.makeLogRecord({"msg": "after", "name": "decnet.x"}))
    assert [q.get_nowait().getMessage(), q.get_nowait().getMessage()] == [
        "3 log record(s) dropped (log queue full)",
        "after",
    ]
    assert handler.dropped == 0
