"""Blocking transports of encoded syslog messages; each ``send`` raises ``OSError`` on failure.

They run on the log listener thread only, so blocking (with short timeouts) is acceptable.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import sys
from typing import Any, Protocol

from decnet.config.logtarget import LogTarget, parse_log_target

#: Socket timeout for connect and send.
DEFAULT_TIMEOUT_S = 2.0

#: Largest datagram sent; longer messages are cut (at a UTF-8 boundary).
MAX_DATAGRAM = 65000


class Transport(Protocol):
    """Sends one encoded RFC 5424 message, adding the framing its medium needs."""

    def send(self, message: bytes) -> None:
        """Send one message; raise ``OSError`` if the target cannot take it."""

    def close(self) -> None:
        """Release the connection or file; the next ``send`` reopens it."""


def frame_line(message: bytes) -> bytes:
    """LF framing: one line per message, embedded CR/LF escaped rsyslog-style as ``#015``/``#012``."""
    return message.replace(b"\r", b"#015").replace(b"\n", b"#012") + b"\n"


def frame_octets(message: bytes) -> bytes:
    """RFC 6587 octet-counting framing: ``LEN SP MSG``."""
    return b"%d %s" % (len(message), message)


def cut_datagram(message: bytes, limit: int = MAX_DATAGRAM) -> bytes:
    """Trim a message to ``limit`` bytes without splitting a UTF-8 character."""
    if len(message) <= limit:
        return message
    return message[:limit].decode("utf-8", "ignore").encode("utf-8")


class StderrTransport:
    """LF-framed lines on the current ``sys.stderr``."""

    def send(self, message: bytes) -> None:
        """Write one line to stderr."""
        stream = sys.stderr
        if stream is None:
            raise OSError(errno.EBADF, "no stderr")
        data = frame_line(message)
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            buffer.write(data)
        else:
            stream.write(data.decode("utf-8", "replace"))
        stream.flush()

    def close(self) -> None:
        """Nothing to release."""


class FileTransport:
    """LF-framed lines appended to a file; one ``write(2)`` per message, reopened after rotation."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._ident: tuple[int, int] | None = None

    def _open(self) -> int:
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, mode=0o750, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        st = os.fstat(fd)
        self._fd, self._ident = fd, (st.st_dev, st.st_ino)
        return fd

    def _rotated(self) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (st.st_dev, st.st_ino) != self._ident or not stat.S_ISREG(st.st_mode)

    def send(self, message: bytes) -> None:
        """Append one line, reopening the file if it was moved away (logrotate)."""
        if self._fd is not None and self._rotated():
            self.close()
        fd = self._fd if self._fd is not None else self._open()
        data = frame_line(message)
        written = os.write(fd, data)
        while written < len(data):  # only on a full disk or a signal; finish the line
            written += os.write(fd, data[written:])

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


class UnixTransport:
    """A local syslog socket such as ``/dev/log``: datagrams, else a stream with octet counting."""

    def __init__(self, path: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.path = path
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._stream = False

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
            self._stream = False
        except OSError as exc:
            sock.close()
            if exc.errno != errno.EPROTOTYPE:
                raise
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            self._stream = True
        self._sock = sock
        return sock

    def send(self, message: bytes) -> None:
        """Send one datagram, or one octet-counted frame when the socket is a stream."""
        sock = self._sock if self._sock is not None else self._connect()
        try:
            if self._stream:
                _check_peer_open(sock)
                sock.sendall(frame_octets(message))
            else:
                sock.send(cut_datagram(message))
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        """Close the socket."""
        if self._sock is not None:
            sock, self._sock = self._sock, None
            sock.close()


class UdpTransport:
    """Syslog over UDP (RFC 5426): one datagram per message, unconnected."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._sock: socket.socket | None = None
        self._addr: tuple[Any, ...] | None = None

    def _connect(self) -> socket.socket:
        family, socktype, proto, _, addr = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(DEFAULT_TIMEOUT_S)
        self._sock, self._addr = sock, addr
        return sock

    def send(self, message: bytes) -> None:
        """Send one datagram."""
        sock = self._sock if self._sock is not None else self._connect()
        assert self._addr is not None
        try:
            sock.sendto(cut_datagram(message), self._addr)
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        """Close the socket (the address is looked up again on the next send)."""
        if self._sock is not None:
            sock, self._sock = self._sock, None
            sock.close()


class TcpTransport:
    """Syslog over TCP with RFC 6587 octet-counting framing; reconnects after any failure."""

    def __init__(self, host: str, port: int, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._sock: socket.socket | None = None

    def send(self, message: bytes) -> None:
        """Send one ``LEN SP MSG`` frame, connecting first if needed."""
        sock = self._sock
        if sock is None:
            sock = self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            _check_peer_open(sock)
            sock.sendall(frame_octets(message))
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection."""
        if self._sock is not None:
            sock, self._sock = self._sock, None
            sock.close()


def _check_peer_open(sock: socket.socket) -> None:
    """Raise if the peer has closed a stream socket (a send would otherwise vanish silently)."""
    timeout = sock.gettimeout()
    sock.settimeout(0.0)  # with a timeout set, Python would wait for data instead of peeking
    try:
        try:
            data = sock.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return
        if data == b"":
            raise ConnectionResetError(errno.ECONNRESET, "log target closed the connection")
        # The collector never talks back; discard anything it sent so the buffer cannot fill.
        sock.recv(4096)
    finally:
        sock.settimeout(timeout)


def open_transport(target: LogTarget | str) -> Transport:
    """Build the transport for a log target (``stderr``, ``file:``, ``unix:``, ``udp://``, ``tcp://``)."""
    spec = parse_log_target(target) if isinstance(target, str) else target
    if spec.kind == "file":
        assert spec.path is not None
        return FileTransport(spec.path)
    if spec.kind == "unix":
        assert spec.path is not None
        return UnixTransport(spec.path)
    if spec.kind == "udp":
        assert spec.host is not None and spec.port is not None
        return UdpTransport(spec.host, spec.port)
    if spec.kind == "tcp":
        assert spec.host is not None and spec.port is not None
        return TcpTransport(spec.host, spec.port)
    return StderrTransport()
