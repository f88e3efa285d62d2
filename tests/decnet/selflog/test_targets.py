"""The self-log handler to each target, output parsed back; failing targets never hurt the caller."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.selflog import TargetHandler, configure_logging, stop_logging
from decnet.selflog.format import Rfc5424Formatter
from decnet.selflog.transports import FileTransport, TcpTransport
from tests.decnet.selflog.parse import parse, split_octet_counted
from tests.decnet.selflog.sinks import StreamSink, free_tcp_port

log = logging.getLogger("decnet.tests.selflog")


@pytest.fixture(autouse=True)
def _stop_logging() -> Iterator[None]:
    yield
    stop_logging()


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A short directory for unix sockets (sun_path is 108 bytes; pytest's tmp_path can be long)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dn-") as d:
        yield Path(d)


def use(target: str, subsystem: str = "collector", **extra: object) -> None:
    configure_logging(subsystem, Settings(log_target=target, log_level="DEBUG", **extra))  # type: ignore[arg-type]


def emit_sample() -> None:
    log.info("first %s", "record")
    log.warning('line one\nline "two" ]')
    try:
        raise ValueError("bad thing")
    except ValueError:
        log.exception("it failed")


def check_sample(messages: list[bytes], app: str = "decnet.collector") -> None:
    parsed = [parse(m) for m in messages]
    assert [p.app_name for p in parsed] == [app] * 3
    assert [p.level for p in parsed] == ["INFO", "WARNING", "ERROR"]
    assert [p.pri for p in parsed] == [134, 132, 131]
    assert parsed[0].msg == "first record"
    assert {p.logger for p in parsed} == {"decnet.tests.selflog"}
    assert parsed[2].msg.startswith("it failed")
    assert "ValueError: bad thing" in parsed[2].msg


def unescape_line(line: bytes) -> bytes:
    return line.replace(b"#012", b"\n").replace(b"#015", b"\r")


def test_file_target_one_line_per_record(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "decnet.log"
    use(f"file:{path}")
    emit_sample()
    stop_logging()
    data = path.read_bytes()
    assert data.endswith(b"\n")
    lines = data.split(b"\n")[:-1]
    assert len(lines) == 3
    check_sample([unescape_line(line) for line in lines])
    assert parse(unescape_line(lines[1])).msg == 'line one\nline "two" ]'
    assert path.stat().st_mode & 0o777 == 0o640


def test_file_target_appends_and_reopens_after_rotation(tmp_path: Path) -> None:
    path = tmp_path / "decnet.log"
    path.write_bytes(b"older line\n")
    handler = TargetHandler(FileTransport(str(path)))
    handler.setFormatter(Rfc5424Formatter("web"))
    logger = logging.getLogger("decnet.tests.rotate")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("before rotation")
        path.rename(tmp_path / "decnet.log.1")
        logger.warning("after rotation")
    finally:
        logger.removeHandler(handler)
        handler.close()
    old = (tmp_path / "decnet.log.1").read_bytes().split(b"\n")
    assert old[0] == b"older line" and parse(old[1]).msg == "before rotation"
    assert parse(path.read_bytes().rstrip(b"\n")).msg == "after rotation"


def test_stderr_target(capsys: pytest.CaptureFixture[str]) -> None:
    use("stderr", subsystem="web")
    log.error("to stderr")
    stop_logging()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    p = parse(lines[0].encode())
    assert p.app_name == "decnet.web" and p.msg == "to stderr"


def test_udp_target_one_datagram_per_message() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        use(f"udp://127.0.0.1:{server.getsockname()[1]}", subsystem="sniffer")
        emit_sample()
        check_sample([server.recv(70000) for _ in range(3)], app="decnet.sniffer")


def test_tcp_target_octet_counting() -> None:
    sink = StreamSink.tcp()
    try:
        use(f"tcp://127.0.0.1:{sink.port}", subsystem="correlator")
        emit_sample()
        stop_logging()  # closes the connection, so the sink sees the end of the stream
        sink.wait_for(lambda: len(sink.received) == 1)
        sink.join_readers()
        frames = split_octet_counted(bytes(sink.received[0]))
        check_sample(frames, app="decnet.correlator")
        assert parse(frames[1]).msg == 'line one\nline "two" ]'  # LF kept inside a counted frame
    finally:
        sink.close()


def test_unix_datagram_target(short_dir: Path) -> None:
    path = str(short_dir / "log")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(5)
        use(f"unix:{path}", subsystem="profiler")
        emit_sample()
        check_sample([server.recv(70000) for _ in range(3)], app="decnet.profiler")


def test_unix_stream_socket_falls_back_to_octet_counting(short_dir: Path) -> None:
    path = str(short_dir / "log")
    sink = StreamSink.unix(path)
    try:
        use(f"unix:{path}", subsystem="prober")
        emit_sample()
        stop_logging()
        sink.wait_for(lambda: len(sink.received) == 1)
        sink.join_readers()
        check_sample(split_octet_counted(bytes(sink.received[0])), app="decnet.prober")
    finally:
        sink.close()


@pytest.mark.parametrize("kind", ["tcp", "unix", "file"])
def test_target_down_never_raises_or_blocks(
    kind: str, tmp_path: Path, short_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "tcp":
        target = f"tcp://127.0.0.1:{free_tcp_port()}"
    elif kind == "unix":
        target = f"unix:{short_dir / 'nobody-listens'}"
    else:
        (tmp_path / "a-file").write_text("")
        target = f"file:{tmp_path / 'a-file' / 'decnet.log'}"  # parent is not a directory
    use(target)
    started = time.monotonic()
    for i in range(500):
        log.error("record %d", i)
    assert time.monotonic() - started < 1.0
    stop_logging()
    err = capsys.readouterr().err
    assert err.count("--- Logging error ---") == 1  # reported once, not per record


def tcp_handler(port: int, **kw: float) -> tuple[logging.Logger, TargetHandler, list[int]]:
    handler = TargetHandler(TcpTransport("127.0.0.1", port, timeout=1.0), retry_initial_s=0.0, **kw)  # type: ignore[arg-type]
    handler.setFormatter(Rfc5424Formatter("mutator"))
    errors: list[int] = []
    handler.handleError = lambda record: errors.append(1)  # type: ignore[method-assign]
    logger = logging.getLogger(f"decnet.tests.tcp{port}")
    logger.propagate = False
    logger.handlers = [handler]
    return logger, handler, errors


def test_tcp_reconnects_after_the_peer_closes() -> None:
    sink = StreamSink.tcp()
    logger, handler, errors = tcp_handler(sink.port)
    try:
        logger.warning("one")
        sink.wait_for(lambda: len(sink.received) == 1 and len(sink.received[0]) > 0)
        sink.conns[0].shutdown(socket.SHUT_RDWR)  # the collector restarts
        time.sleep(0.05)
        logger.warning("two")  # finds the connection closed: held, reported once
        assert handler.failing and handler.pending == 1
        logger.warning("three")  # reconnects and sends both, in order
        assert not handler.failing and handler.pending == 0
        handler.close()
        sink.wait_for(lambda: len(sink.received) == 2)
        sink.join_readers()
        assert [parse(f).msg for f in split_octet_counted(bytes(sink.received[0]))] == ["one"]
        assert [parse(f).msg for f in split_octet_counted(bytes(sink.received[1]))] == ["two", "three"]
        assert errors == [1]
    finally:
        handler.close()
        sink.close()


def test_records_held_while_down_are_sent_later_with_a_drop_count() -> None:
    port = free_tcp_port()
    logger, handler, errors = tcp_handler(port, max_pending=2)
    for text in ("a", "b", "c", "d"):
        logger.error(text)
    assert handler.pending == 2 and handler.dropped == 2 and errors == [1]
    sink = StreamSink.tcp(port)
    try:
        logger.error("e")
        handler.close()
        sink.wait_for(lambda: len(sink.received) == 1)
        sink.join_readers()
        msgs = [parse(f) for f in split_octet_counted(bytes(sink.received[0]))]
        assert [m.msg for m in msgs] == ["c", "d", "e", "2 log record(s) dropped (log target unreachable)"]
        assert msgs[-1].logger == "decnet.selflog" and msgs[-1].level == "WARNING"
    finally:
        sink.close()


def test_each_process_logs_its_own_pid(tmp_path: Path) -> None:
    path = tmp_path / "fork.log"
    use(f"file:{path}")
    log.info("parent")
    pid = os.fork()
    if pid == 0:  # child: the set-up is rebuilt after the fork
        try:
            log.info("child")
            stop_logging()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    stop_logging()
    msgs = {parse(line).msg: parse(line).procid for line in path.read_bytes().splitlines()}
    assert msgs == {"parent": os.getpid(), "child": pid}
