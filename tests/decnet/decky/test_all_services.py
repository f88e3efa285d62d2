"""Every built-in service in ONE real decky runtime process: no port clash, no import conflict.

Each declared TCP port accepts a connection and its service emits ``connect``; each UDP
service answers (or logs) one query; the runtime stays up with no restart; SIGTERM exits 0
and leaves no listener on the decky's address.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from decnet.events.model import Event
from decnet.events.receiver import EventReceiver
from decnet.fleet.catalog.services import SERVICES
from decnet.services.builtin import builtin_packages
from tests.decnet.decky.helpers import runtime_dict, write_runtime
from tests.decnet.events.helpers import MemorySink, wait_for

ROOT = Path(__file__).resolve().parents[3]
HOST = "127.88.5.2"  # a loopback address of its own: every well-known port is free on it
CLIENT = "127.88.5.9"  # the test's exchanges come from here (the readiness probes do not)
#: smtp and smtp_relay both default to 25 and 587: on one decky the relay needs other ports.
RELAY_PORTS = [2525, 2587]


def _dns_query(name: str, qtype: int, qclass: int = 1) -> bytes:
    labels = b"".join(bytes([len(part)]) + part.encode() for part in name.split(".")) + b"\x00"
    return struct.pack("!6H", 0x1234, 0x0100, 1, 0, 0, 0) + labels + struct.pack("!HH", qtype, qclass)


def _ber(tag: int, body: bytes) -> bytes:
    return bytes([tag, len(body)]) + body


def _snmp_get() -> bytes:
    varbind = _ber(0x30, _ber(0x30, _ber(0x06, bytes([0x2B, 6, 1, 2, 1, 1, 5, 0])) + b"\x05\x00"))
    pdu = _ber(0xA0, _ber(0x02, b"\x01\x02") + _ber(0x02, b"\x00") + _ber(0x02, b"\x00") + varbind)
    return _ber(0x30, _ber(0x02, b"\x01") + _ber(0x04, b"public") + pdu)


_DNS_QUERY = _dns_query("version.bind", 16, 3)  # CH TXT
_LLMNR_QUERY = _dns_query("SRV-ATLAS-07", 1)  # the persona's own name
#: One query per UDP port that the service there answers or logs.
UDP_QUERIES = {
    ("dns", 53): _DNS_QUERY,
    ("llmnr", 5355): _LLMNR_QUERY,
    ("llmnr", 5353): _dns_query("SRV-ATLAS-07.local", 1),
    ("snmp", 161): _snmp_get(),
    ("tftp", 69): b"\x00\x01bench.cfg\x00octet\x00",
}


def _configs(slugs: list[str]) -> dict[str, dict[str, Any]]:
    configs: dict[str, dict[str, Any]] = {slug: {} for slug in slugs}
    if "smtp_relay" in configs:
        configs["smtp_relay"] = {"ports": RELAY_PORTS}
    if "llmnr" in configs:
        configs["llmnr"] = {"multicast": False, "bait_interval": 0}
    return configs


def _tcp_ports(slug: str) -> list[int]:
    return RELAY_PORTS if slug == "smtp_relay" else list(SERVICES[slug].tcp_ports)


async def _wait_listening(ports: list[int], proc: asyncio.subprocess.Process, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for port in ports:
        while True:
            if proc.returncode is not None:
                _, err = await proc.communicate()
                raise AssertionError(f"runtime exited {proc.returncode}: {err.decode()[-3000:]}")
            try:
                _, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                assert loop.time() < deadline, f"port {port} never listened"
                await asyncio.sleep(0.05)
                continue
            writer.close()
            break


async def _touch_tcp(port: int) -> bytes:
    """Connect, read what the server says first (banner or nothing), close."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port, local_addr=(CLIENT, 0)), 3)
    try:
        return await asyncio.wait_for(reader.read(512), 0.3)
    except TimeoutError:
        return b""  # a client-speaks-first protocol (http, redis, smb, ...) or TLS
    finally:
        writer.close()


class _Once(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.answer.done():
            self.answer.set_result(data)


async def _query_udp(port: int, query: bytes) -> bytes | None:
    loop = asyncio.get_running_loop()
    # not connected: a TFTP server answers from a port of its own
    transport, proto = await loop.create_datagram_endpoint(_Once, local_addr=(CLIENT, 0))
    try:
        transport.sendto(query, (HOST, port))
        try:
            return await asyncio.wait_for(proto.answer, 2)
        except TimeoutError:
            return None
    finally:
        transport.close()


def _listeners() -> str:
    """Sockets still listening (TCP) or bound (UDP) on the decky's address."""
    out = subprocess.run(["ss", "-Hlntu", "src", HOST], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.timeout(60)
async def test_every_builtin_service_in_one_decky(tmp_path: Path) -> None:
    slugs = builtin_packages()
    assert len(slugs) >= 20, slugs
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    await receiver.start_unix(tmp_path / "ingest.sock")
    data = runtime_dict(tmp_path, _configs(slugs), bind_host=HOST, restart_initial_delay=0.2)
    data["persona"]["ip"] = HOST
    config = write_runtime(tmp_path, data)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DECNET_CONFIG": str(tmp_path / "no-host.ini")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "decnet.decky", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    tcp = {slug: _tcp_ports(slug) for slug in slugs}
    udp = {(slug, port) for slug in slugs for port in SERVICES[slug].udp_ports}
    try:
        await _wait_listening([port for ports in tcp.values() for port in ports], proc)
        first = {}
        for slug, ports in tcp.items():
            for port in ports:
                first[(slug, port)] = await _touch_tcp(port)
        assert first[("ftp", 21)].startswith(b"220"), first[("ftp", 21)]
        assert first[("ssh", 22)].startswith(b"SSH-2.0-"), first[("ssh", 22)]
        answers = {key: await _query_udp(key[1], UDP_QUERIES[key]) for key in sorted(udp)}
        assert answers[("dns", 53)] is not None and answers[("dns", 53)][:2] == b"\x12\x34"
        assert answers[("snmp", 161)] is not None and answers[("snmp", 161)][:1] == b"\x30"
        assert answers[("tftp", 69)] is not None and answers[("tftp", 69)][:2] in (b"\x00\x03", b"\x00\x05")

        def ours() -> list[Event]:
            return [e for e in list(sink.events.values()) if e.src_ip == CLIENT]

        def quiet_tcp() -> list[tuple[str, int]]:
            """(service, port) pairs without their connect (by dst_port where the service logs it)."""
            connects = [e for e in ours() if e.event_type == "connect"]
            missing = []
            for slug, ports in tcp.items():
                mine = [e for e in connects if e.service == slug]
                logged = {e.fields.get("dst_port") for e in mine}
                for port in ports:
                    if (str(port) not in logged) if logged != {None} else len(mine) < len(ports):
                        missing.append((slug, port))
            return missing

        def quiet_udp() -> list[str]:
            seen = {e.service for e in ours()}
            return sorted({slug for slug, _ in udp} - seen)

        with contextlib.suppress(AssertionError):
            await wait_for(lambda: not quiet_tcp() and not quiet_udp(), 10, "an event of every service")
        assert not quiet_tcp() and not quiet_udp(), (quiet_tcp(), quiet_udp())
        assert proc.returncode is None, "the runtime died"
        restarted = [e.service for e in sink.events.values() if e.event_type == "service_restarted"]
        assert not restarted, restarted
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await receiver.stop()
    assert _listeners() == ""
    for port in (21, 22, 80, 445, 3306):
        with pytest.raises(OSError):
            await asyncio.wait_for(asyncio.open_connection(HOST, port), 2)
