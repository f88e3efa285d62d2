"""Tiny loopback/unix-socket log receivers for the self-log tests."""

from __future__ import annotations

import socket
import threading
import time


class StreamSink:
    """Accepts stream connections (TCP on 127.0.0.1 or a unix socket) and keeps each one's bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(0.1)
        self.received: list[bytearray] = []
        self.conns: list[socket.socket] = []
        self._readers: list[threading.Thread] = []
        self._stop = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @classmethod
    def tcp(cls, port: int = 0) -> StreamSink:
        return cls(socket.create_server(("127.0.0.1", port)))

    @classmethod
    def unix(cls, path: str) -> StreamSink:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        sock.listen()
        return cls(sock)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            buf = bytearray()
            reader = threading.Thread(target=self._read, args=(conn, buf), daemon=True)
            reader.start()
            self._readers.append(reader)
            self.conns.append(conn)
            self.received.append(buf)  # last: a waiter seeing it finds the reader registered

    @staticmethod
    def _read(conn: socket.socket, buf: bytearray) -> None:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf.extend(data)

    def wait_for(self, predicate: object, timeout: float = 5.0) -> None:
        assert callable(predicate)
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out waiting for the sink"
            time.sleep(0.01)

    def join_readers(self, timeout: float = 5.0) -> None:
        for reader in self._readers:
            reader.join(timeout)

    def close(self) -> None:
        self._stop.set()
        self._acceptor.join(2)
        for conn in self.conns:
            conn.close()
        self.sock.close()


def free_tcp_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
