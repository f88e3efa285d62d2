"""System test on a test LAN: an "attacker" network namespace runs nmap -sS, nmap -O, OpenSSH and
curl over TLS toward listeners on the sniffing side; the sniffer, capturing on the sniffing
side's veth end, records nmap's SYN probes, curl's JA3/JA4, OpenSSH's HASSH and a scan event.

Topology (10.231.0.0/24): netns ``dsn-att`` holds ``dsn-a0`` (10.231.0.2); its peer ``dsn-a1``
(10.231.0.1) stays in this namespace with an SSH listener (2222) and a TLS server (8443).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.db import SQLModelRepository, get_repository
from decnet.sniffer import tls
from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.service import Sniffer
from decnet.sniffer.ssh import parse_client

NETNS = "dsn-att"
ATTACKER, TARGET = "10.231.0.2", "10.231.0.1"
SSH_PORT, TLS_PORT = 2222, 8443
CLOSED = "20-25"


def _run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)


def _must(*args: str) -> None:
    proc = _run(*args)
    assert proc.returncode == 0, f"{args}: {proc.stderr}"


def _in_attacker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return _run("ip", "netns", "exec", NETNS, *args, timeout=timeout)


@pytest.fixture(scope="module")
def lan() -> Iterator[None]:
    _run("ip", "netns", "del", NETNS)
    _run("ip", "link", "del", "dsn-a1")
    try:
        _must("ip", "netns", "add", NETNS)
        _must("ip", "link", "add", "dsn-a1", "type", "veth", "peer", "name", "dsn-a0", "netns", NETNS)
        _must("ip", "addr", "add", f"{TARGET}/24", "dev", "dsn-a1")
        _must("ip", "link", "set", "dsn-a1", "up")
        _must("ip", "-n", NETNS, "addr", "add", f"{ATTACKER}/24", "dev", "dsn-a0")
        _must("ip", "-n", NETNS, "link", "set", "dsn-a0", "up")
        _must("ip", "-n", NETNS, "link", "set", "lo", "up")
        yield
    finally:
        _run("ip", "netns", "del", NETNS)
        _run("ip", "link", "del", "dsn-a1")


class Listeners:
    """An SSH listener that records what clients send, and a TLS server that peeks ClientHellos."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.ssh_streams: list[bytes] = []
        self.hellos: list[bytes] = []
        self.stop = threading.Event()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.sockets = [self._listen(SSH_PORT), self._listen(TLS_PORT)]
        self.threads = [
            threading.Thread(target=self._serve, args=(self.sockets[0], self._ssh), daemon=True),
            threading.Thread(target=self._serve, args=(self.sockets[1], self._tls), daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def _listen(port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((TARGET, port))
        sock.listen(8)
        sock.settimeout(0.2)
        return sock

    def _serve(self, sock: socket.socket, handle: object) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn, contextlib.suppress(OSError, ssl.SSLError):
                conn.settimeout(5)
                handle(conn)  # type: ignore[operator]

    def _ssh(self, conn: socket.socket) -> None:
        conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
        data = b""
        while len(data) < 8192:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
            with contextlib.suppress(Exception):
                if parse_client(data) is not None:
                    break
        self.ssh_streams.append(data)

    def _tls(self, conn: socket.socket) -> None:
        for _ in range(50):
            peeked = conn.recv(16384, socket.MSG_PEEK)
            with contextlib.suppress(tls.NeedMore):
                if tls.handshake_message(peeked) is not None:
                    self.hellos.append(peeked)
                    break
            time.sleep(0.02)
        with self.context.wrap_socket(conn, server_side=True) as secure:
            secure.recv(4096)
            secure.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SQLModelRepository]:
    repository = get_repository(Settings(data_dir=tmp_path))
    await repository.initialize()
    try:
        yield repository
    finally:
        await repository.close()


@pytest.mark.timeout(180)
async def test_nmap_openssh_and_curl_are_fingerprinted(
    lan: None, repo: SQLModelRepository, tmp_path: Path
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _must(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=decky.test",
        "-keyout",
        str(key),
        "-out",
        str(cert),
    )
    listeners = Listeners(cert, key)
    sniffer = Sniffer("dsn-a1", repo, SnifferConfig(scan_ports=5, scan_window_s=2.0), promisc=False)
    sniffer.start()
    try:
        ports = f"{CLOSED},{SSH_PORT},{TLS_PORT}"
        scan = await asyncio.to_thread(
            _in_attacker, "nmap", "-sS", "-Pn", "-n", "--max-retries", "1", "-p", ports, TARGET
        )
        assert scan.returncode == 0 and f"{SSH_PORT}/tcp open" in scan.stdout, scan.stdout + scan.stderr
        osscan = await asyncio.to_thread(
            _in_attacker,
            "nmap",
            "-O",
            "-Pn",
            "-n",
            "--max-retries",
            "1",
            "--max-os-tries",
            "1",
            "-p",
            f"22,{SSH_PORT}",
            TARGET,
            timeout=120,
        )
        assert osscan.returncode == 0, osscan.stderr
        ssh = await asyncio.to_thread(
            _in_attacker,
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=5",
            "-p",
            str(SSH_PORT),
            f"probe@{TARGET}",
            "true",
        )
        assert ssh.returncode != 0  # the listener never completes a key exchange
        curl = await asyncio.to_thread(
            _in_attacker,
            "curl",
            "-k",
            "-s",
            "--max-time",
            "10",
            "--resolve",
            f"decky.test:{TLS_PORT}:{TARGET}",
            f"https://decky.test:{TLS_PORT}/",
        )
        assert curl.stdout == "ok", curl.stderr

        deadline = time.monotonic() + 20
        while True:
            await asyncio.sleep(0.5)
            await sniffer.flush()
            events = [s.event for s in await repo.events_after(0, 100) if s.event.event_type == "scan"]
            if events or time.monotonic() > deadline:
                break
    finally:
        sniffer.stop()
        listeners.close()

    rows = await repo.list_fingerprints(src_ip=ATTACKER, limit=1000)
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row.kind, set()).add(row.value)
    # nmap's SYN-scan probes and its OS-detection probes are recognised.
    assert "nmap:syn-scan" in found["scan_tool"], found
    assert any(v.startswith("nmap:os-") for v in found["scan_tool"]), found["scan_tool"]
    assert found["tcp_syn"]
    # OpenSSH's HASSH and banner, as the listener received them.
    client = parse_client(listeners.ssh_streams[0])
    assert client is not None and client.kex
    assert found["hassh"] == {client.hassh}
    assert any(b.startswith("SSH-2.0-OpenSSH_") for b in found["ssh_banner"])
    # curl's JA3 and JA4, SNI and ALPN, as the TLS server received the ClientHello.
    message = tls.handshake_message(listeners.hellos[0])
    assert message is not None
    hello = tls.parse_client_hello(message)
    assert hello is not None
    assert found["ja3"] == {tls.ja3(hello)} and found["ja4"] == {tls.ja4(hello)}
    assert next(iter(found["ja4"])).startswith("t13d")
    assert found["tls_sni"] == {"decky.test"}
    # A scan event for the closed ports nmap probed.
    assert events, "no scan event"
    event = events[0]
    assert (event.service, event.src_ip, event.decky) == ("sniffer", ATTACKER, TARGET)
    assert event.fields["closed"] == "6" and event.fields["open"] == "2" and int(event.fields["ports"]) >= 8
    assert event.fields["signature"] == "nmap"
    counters = sniffer.counters()
    assert counters["packets"] > 20 and counters["scans"] >= 1 and counters["dropped"] == 0
