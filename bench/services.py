"""Service benchmark: every built-in service in one real decky runtime process, driven by raw clients.

    .venv/bin/python bench/services.py [--quick] [--services ftp,redis,...] [--seconds S]
        [--clients N] [--client-procs P] [--ssh-conns N] [--ssh-attempts K] [--ssh-hold N]
        [--host 127.x.y.z] [--src-prefix 127.89] [--no-baseline] [--no-ten-rss]

The decky runtime (``python -m decnet.decky``) runs as its own process on a loopback address
(as the local backend does) with every service under test; its events go to a collector in
this process. For each service, 50 concurrent clients (asyncio, minimal raw-protocol drivers
written here, spread over ``--client-procs`` processes, default 2) run sessions for a few
seconds: connect, banner or handshake, one auth attempt
where the protocol has one, close; UDP services answer one query per session. Each session
comes from its own 127.89.x.y source address (no TIME_WAIT port exhaustion, no per-source
rate limit or lock-out hit by the benchmark itself). The baseline is a bare asyncio banner
server (FTP-like greeting, USER/PASS answers) in its own process, driven the same way: the
floor of this machine and this client.

Bench-only service settings (reported as they are applied): failed-login delays of the line
services set to 0 (ftp/telnet/pop3/imap/smtp otherwise wait 1-3 s as the real daemons do), the
VNC lock-out off, smtp_relay on other ports than smtp (they share 25/587), and ssh allowing many
unauthenticated connections and 5,000 connections in all.

SSH keeps its ~2 s failed-password delay (a real sshd's), so it is measured as failed password
attempts per CPU-second of the runtime (``/proc/<pid>/stat`` utime+stime before and after
a fixed workload: connections of 5 attempts each, as hydra does on one connection) and as the
number of concurrent logged-in SSH connections it holds (asyncssh clients opened and held).

Memory: the idle RSS of the runtime with all services, and of one with ten common services.
Each session line also gives sessions per CPU-second of the runtime (``/proc/<pid>/stat``): the
decky's own cost, which holds when other work shares the machine; sessions/s does not.

UDP services: dns, llmnr and snmp answer at most ``rate`` x 50 datagrams per second in all
(1,000/s by default, their anti-amplification bound), so their sessions/s is that bound.

Last line, one JSON object: ``{"<slug>_sessions_per_s": …, …, "http_keepalive_requests_per_s": …,
"ssh_auth_per_cpu_s": …, "ssh_concurrent_sessions": …, "runtime_rss_mb": …,
"runtime_ten_rss_mb": …, "baseline_sessions_per_s": …}`` (``null`` for a service with no package).
Targets on the 2-core reference machine (client and decky sharing it): >= 2,500 sessions/s for
ftp, telnet, redis, mysql; >= 3,000 requests/s for http; >= 400 SSH auth attempts per
CPU-second; >= 1,000 concurrent SSH sessions; ten services <= 80 MB idle. This script reports;
it does not gate CI.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import re
import resource
import secrets
import ssl
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from decnet.events.model import Event, Rejected
from decnet.events.receiver import EventReceiver
from decnet.fleet.catalog.services import SERVICES
from decnet.fleet.personas import derive_persona, persona_to_dict
from decnet.fleet.planner import plan_fleet
from decnet.services.builtin import builtin_packages

ROOT = Path(__file__).resolve().parents[1]
STEP_TIMEOUT = 5.0
BASELINE_PORT = 10021
TEN = ("ssh", "http", "https", "ftp", "telnet", "smb", "rdp", "mysql", "redis", "smtp")
BANNER_STYLE = ("ftp", "telnet", "redis", "mysql")
SSH_ATTEMPTS_PER_CONN = 5


class CountingSink:
    """Stores nothing; counts events per (service, event type)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    async def store(self, events: list[Event], rejected: list[Rejected]) -> None:
        for event in events:
            self.counts[(event.service, event.event_type)] += 1


# -- source addresses --------------------------------------------------------------------


class Sources:
    """Rotating ``<prefix>.x.y`` client addresses, numbers ``lo`` to ``hi`` (at most 62,500)."""

    def __init__(self, prefix: str = "127.89", lo: int = 0, hi: int = 60000) -> None:
        self.prefix = prefix
        self.lo, self.hi = lo, hi
        self.i = lo

    def next(self) -> str:
        self.i = self.i + 1 if self.i + 1 < self.hi else self.lo
        return f"{self.prefix}.{self.i // 250}.{self.i % 250 + 1}"


# -- a small stream client ---------------------------------------------------------------


@functools.cache
def _client_tls() -> ssl.SSLContext:
    """One client context for every TLS session (no CA store: the decky's certificate is self-signed)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Conn:
    """A TCP (optionally TLS) connection with bounded reads."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int, src: str, tls: bool = False) -> Conn:
        ctx = _client_tls() if tls else None
        reader, writer = await asyncio.open_connection(host, port, local_addr=(src, 0), ssl=ctx)
        return cls(reader, writer)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def until(self, marker: bytes | re.Pattern[bytes], limit: int = 65536) -> bytes:
        """Read until ``marker`` (bytes or a regex) is in what was read."""
        buf = b""
        while True:
            found = marker.search(buf) if isinstance(marker, re.Pattern) else marker in buf
            if found:
                return buf
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError(f"closed before {marker!r}: {buf[-200:]!r}")
            buf += chunk
            if len(buf) > limit:
                raise ConnectionError("answer too long")

    async def exactly(self, n: int) -> bytes:
        return await self.reader.readexactly(n)

    def close(self) -> None:
        self.writer.close()


# -- drivers: one session each -----------------------------------------------------------


Driver = Callable[[str, int, str], Awaitable[None]]


async def ftp_like(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        await c.until(re.compile(rb"(^|\n)220 "))
        c.send(b"USER admin\r\n")
        await c.until(re.compile(rb"(^|\n)331 "))
        c.send(b"PASS hunter2\r\n")
        await c.until(re.compile(rb"(^|\n)530 "))
    finally:
        c.close()


async def telnet(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        first = await c.reader.read(4096)
        refuse = {0xFD: 0xFC, 0xFB: 0xFE}  # DO -> WONT, WILL -> DONT, as a minimal client answers
        c.send(
            b"".join(
                bytes([255, refuse[m[1][0]], m[2][0]])
                for m in re.finditer(rb"\xff([\xfb\xfd])(.)", first, re.S)
            )
        )
        if not re.search(rb"(login|Username): $", first):
            await c.until(re.compile(rb"(login|Username): $"))
        c.send(b"root\r\n")
        await c.until(re.compile(rb"assword: ?$"))
        c.send(b"hunter2\r\n")
        await c.until(b"incorrect")
    finally:
        c.close()


async def smtp(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        await c.until(re.compile(rb"(^|\n)220 "))
        c.send(b"EHLO bench.example\r\n")
        await c.until(re.compile(rb"(^|\n)250 "))
        c.send(b"AUTH PLAIN " + base64.b64encode(b"\x00admin\x00hunter2") + b"\r\n")
        await c.until(re.compile(rb"(^|\n)5\d\d "))
    finally:
        c.close()


async def pop3(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        await c.until(b"+OK")
        c.send(b"USER admin\r\n")
        await c.until(b"\r\n")
        c.send(b"PASS hunter2\r\n")
        await c.until(b"-ERR")
    finally:
        c.close()


async def imap(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        await c.until(b"* OK")
        c.send(b"a1 LOGIN admin hunter2\r\n")
        await c.until(b"a1 NO")
    finally:
        c.close()


async def redis(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(b"*2\r\n$4\r\nAUTH\r\n$7\r\nhunter2\r\n")
        await c.until(b"\r\n")
    finally:
        c.close()


async def _mysql_packet(c: Conn) -> bytes:
    head = await c.exactly(4)
    return await c.exactly(int.from_bytes(head[:3], "little"))


async def mysql(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        greeting = await _mysql_packet(c)
        if greeting[:1] != b"\x0a":
            raise ConnectionError("no MySQL handshake")
        salt = greeting.split(b"\x00", 1)[1][4:12]  # first 8 bytes of the scramble
        auth = hashlib.sha1(salt + b"bench").digest()  # any 20 bytes: a wrong native password
        caps = 0x0200 | 0x8000 | 0x00080000 | 0x0008  # PROTOCOL_41, SECURE_CONN, PLUGIN_AUTH, CONNECT_WITH_DB
        body = (
            struct.pack("<IIB23x", caps, 1 << 24, 33)
            + b"root\x00"
            + bytes([len(auth)])
            + auth
            + b"mysql\x00mysql_native_password\x00"
        )
        c.send(len(body).to_bytes(3, "little") + b"\x01" + body)
        answer = await _mysql_packet(c)
        if answer[:1] != b"\xff":
            raise ConnectionError("expected an access-denied error")
    finally:
        c.close()


async def _pg_message(c: Conn) -> tuple[bytes, bytes]:
    head = await c.exactly(5)
    return head[:1], await c.exactly(struct.unpack("!I", head[1:])[0] - 4)


async def postgres(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        params = b"user\x00postgres\x00database\x00postgres\x00\x00"
        c.send(struct.pack("!II", len(params) + 8, 196608) + params)
        kind, body = await _pg_message(c)
        if kind != b"R":
            raise ConnectionError("no authentication request")
        method = struct.unpack("!I", body[:4])[0]
        if method == 5:
            inner = hashlib.md5(b"hunter2postgres").hexdigest().encode()
            secret = b"md5" + hashlib.md5(inner + body[4:8]).hexdigest().encode()
        else:
            secret = b"hunter2"
        c.send(b"p" + struct.pack("!I", len(secret) + 5) + secret + b"\x00")
        while (await _pg_message(c))[0] != b"E":
            pass
    finally:
        c.close()


def _tds(kind: int, payload: bytes) -> bytes:
    return struct.pack("!BBHHBB", kind, 1, len(payload) + 8, 0, 1, 0) + payload


def _login7() -> bytes:
    """A LOGIN7 record for sa / a wrong password (SQL authentication)."""
    fields = ["bench-host", "sa", "hunter2", "bench", "db", None, "ODBC", "", "master"]
    base = 94  # fixed part: header, 9 offset/length pairs, client id, SSPI/attach/change-password, cbSSPILong
    data = b""
    offsets = b""
    for i, text in enumerate(fields):
        if text is None:  # the extension slot: unused
            offsets += struct.pack("<HH", 0, 0)
            continue
        raw = text.encode("utf-16-le")
        if i == 2:  # the password is obfuscated: nibbles swapped, then XOR 0xA5
            raw = bytes((((b << 4) & 0xF0) | (b >> 4)) ^ 0xA5 for b in raw)
        offsets += struct.pack("<HH", base + len(data), len(raw) // 2)
        data += raw
    head = struct.pack(
        "<IIIIIIBBBBiI", base + len(data), 0x74000004, 4096, 7, os.getpid(), 0, 0xE0, 0x03, 0, 0, 0, 0
    )
    record = head + offsets + b"\x00" * 6 + struct.pack("<HHHHHHI", base + len(data), 0, 0, 0, 0, 0, 0) + data
    assert len(record) == base + len(data)
    return record


_PRELOGIN = (
    b"\x00\x00\x0b\x00\x06\x01\x00\x11\x00\x01\xff" + b"\x0f\x00\x07\xd0\x00\x00" + b"\x02"
)  # VERSION, ENCRYPTION = NOT_SUP
LOGIN7 = _login7()


async def _tds_message(c: Conn) -> bytes:
    payload = b""
    while True:
        head = await c.exactly(8)
        payload += await c.exactly(struct.unpack("!H", head[2:4])[0] - 8)
        if head[1] & 1:
            return payload


async def mssql(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(_tds(0x12, _PRELOGIN))
        await _tds_message(c)
        c.send(_tds(0x10, LOGIN7))
        if b"\xaa" not in (await _tds_message(c))[:1]:  # ERROR token
            raise ConnectionError("expected a login error")
    finally:
        c.close()


def _bson_hello() -> bytes:
    elements = b"\x10hello\x00" + struct.pack("<i", 1) + b"\x02$db\x00" + struct.pack("<i", 6) + b"admin\x00"
    return struct.pack("<i", len(elements) + 5) + elements + b"\x00"


_HELLO = _bson_hello()


async def mongodb(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        body = struct.pack("<I", 0) + b"\x00" + _HELLO
        c.send(struct.pack("<iiii", len(body) + 16, 1, 0, 2013) + body)
        length = struct.unpack("<i", await c.exactly(4))[0]
        if b"maxWireVersion" not in await c.exactly(length - 4):
            raise ConnectionError("no hello answer")
    finally:
        c.close()


async def vnc(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        version = await c.exactly(12)
        c.send(version)
        count = (await c.exactly(1))[0]
        types = await c.exactly(count)
        if 2 not in types:
            raise ConnectionError("no VNC authentication offered")
        c.send(b"\x02")
        await c.exactly(16)  # challenge
        c.send(secrets.token_bytes(16))
        if struct.unpack("!I", await c.exactly(4))[0] != 1:
            raise ConnectionError("expected an authentication failure")
    finally:
        c.close()


_X224 = b"\xe0\x00\x00\x00\x00\x00Cookie: mstshash=admin\r\n\x01\x00\x08\x00\x03\x00\x00\x00"
X224_CR = b"\x03\x00" + struct.pack("!H", len(_X224) + 5) + bytes([len(_X224)]) + _X224


async def rdp(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(X224_CR)
        head = await c.exactly(4)
        answer = await c.exactly(struct.unpack("!H", head[2:])[0] - 4)
        if answer[1] != 0xD0:
            raise ConnectionError("no X.224 connection confirm")
    finally:
        c.close()


def _ber(tag: int, body: bytes) -> bytes:
    if len(body) < 128:
        return bytes([tag, len(body)]) + body
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


LDAP_BIND = _ber(
    0x30,
    _ber(0x02, b"\x01")
    + _ber(0x60, _ber(0x02, b"\x03") + _ber(0x04, b"cn=admin,dc=example,dc=com") + _ber(0x80, b"hunter2")),
)


async def ldap(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(LDAP_BIND)
        head = await c.exactly(2)
        size = head[1]
        if size & 0x80:
            size = int.from_bytes(await c.exactly(size & 0x7F), "big")
        if b"\x61" not in (await c.exactly(size))[:8]:
            raise ConnectionError("no bind response")
    finally:
        c.close()


def _smb_negotiate() -> bytes:
    header = struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, b"")
    dialects = (0x0202, 0x0210, 0x0300, 0x0302)
    body = struct.pack("<HHHHI16sQ", 36, len(dialects), 1, 0, 0, secrets.token_bytes(16), 0)
    body += struct.pack(f"<{len(dialects)}H", *dialects)
    return struct.pack("!I", len(header) + len(body)) + header + body


SMB_NEGOTIATE = _smb_negotiate()


async def smb(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(SMB_NEGOTIATE)
        size = struct.unpack("!I", await c.exactly(4))[0] & 0xFFFFFF
        if (await c.exactly(size))[:4] != b"\xfeSMB":
            raise ConnectionError("no SMB2 negotiate response")
    finally:
        c.close()


def _mqtt_str(text: bytes) -> bytes:
    return struct.pack("!H", len(text)) + text


_MQTT_BODY = (
    _mqtt_str(b"MQTT")
    + b"\x04\xc2\x00\x3c"
    + _mqtt_str(b"bench")
    + _mqtt_str(b"admin")
    + _mqtt_str(b"hunter2")
)
MQTT_CONNECT = b"\x10" + bytes([len(_MQTT_BODY)]) + _MQTT_BODY


async def mqtt(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(MQTT_CONNECT)
        if (await c.exactly(4))[0] != 0x20:
            raise ConnectionError("no CONNACK")
        c.send(b"\xe0\x00")
    finally:
        c.close()


def _sip_register(host: str, src: str, cseq: int, auth: str = "") -> bytes:
    return (
        f"REGISTER sip:{host} SIP/2.0\r\nVia: SIP/2.0/TCP {src}:5060;branch=z9hG4bK{secrets.token_hex(6)}\r\n"
        f"Max-Forwards: 70\r\nFrom: <sip:1001@{host}>;tag={cseq}ab\r\nTo: <sip:1001@{host}>\r\n"
        f"Call-ID: {src}-bench\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:1001@{src}>\r\n{auth}"
        "Content-Length: 0\r\n\r\n"
    ).encode()


async def sip(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(_sip_register(host, src, 1))
        answer = await c.until(b"\r\n\r\n")
        found = re.search(rb'realm="([^"]*)".*?nonce="([^"]*)"', answer, re.S)
        if found is None:
            raise ConnectionError("no digest challenge")
        realm, nonce = found.group(1).decode(), found.group(2).decode()
        ha1 = hashlib.md5(f"1001:{realm}:hunter2".encode()).hexdigest()
        ha2 = hashlib.md5(f"REGISTER:sip:{host}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        auth = (
            f'Authorization: Digest username="1001", realm="{realm}", nonce="{nonce}", '
            f'uri="sip:{host}", response="{response}", algorithm=MD5\r\n'
        )
        c.send(_sip_register(host, src, 2, auth))
        await c.until(re.compile(rb"SIP/2.0 [45]\d\d.*?\r\n\r\n", re.S))
    finally:
        c.close()


MODBUS_READ = b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a"


async def modbus(host: str, port: int, src: str) -> None:
    c = await Conn.open(host, port, src)
    try:
        c.send(MODBUS_READ)
        head = await c.exactly(6)
        await c.exactly(struct.unpack("!H", head[4:])[0])
    finally:
        c.close()


def http_driver(path: str, tls: bool = False) -> Driver:
    async def http(host: str, port: int, src: str) -> None:
        c = await Conn.open(host, port, src, tls=tls)
        try:
            await _http_request(c, host, path, close=True)
        finally:
            c.close()

    return http


async def _http_request(c: Conn, host: str, path: str, close: bool) -> bool:
    """One request and its answer; whether the server keeps the connection open."""
    connection = "close" if close else "keep-alive"
    c.send(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
        f"Connection: {connection}\r\n\r\n".encode()
    )
    head = await c.until(b"\r\n\r\n")
    header, _, rest = head.partition(b"\r\n\r\n")
    if not header.startswith(b"HTTP/1."):
        raise ConnectionError("not an HTTP answer")
    found = re.search(rb"\r\ncontent-length: *(\d+)", header, re.I)
    if found is not None:
        missing = int(found.group(1)) - len(rest)
        if missing > 0:
            await c.exactly(missing)
    elif b"chunked" in header.lower():
        await c.until(b"0\r\n\r\n")
    return b"\r\nconnection: close" not in header.lower()


# -- UDP ---------------------------------------------------------------------------------


class _Answer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answer: asyncio.Future[tuple[bytes, tuple[str, int]]] = (
            asyncio.get_running_loop().create_future()
        )

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.answer.done():
            self.answer.set_result((data, addr))


async def udp_exchange(host: str, port: int, src: str, query: bytes) -> tuple[bytes, tuple[str, int], Any]:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(_Answer, local_addr=(src, 0))
    try:
        transport.sendto(query, (host, port))
        data, addr = await asyncio.wait_for(proto.answer, 2.0)
        return data, addr, transport
    except BaseException:
        transport.close()
        raise


def dns_query(name: str, qtype: int = 1) -> bytes:
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\x00"
    return (
        struct.pack("!HHHHHH", secrets.randbelow(65536), 0x0100, 1, 0, 0, 0)
        + labels
        + struct.pack("!HH", qtype, 1)
    )


def udp_driver(make: Callable[[str], bytes]) -> Driver:
    async def udp(host: str, port: int, src: str) -> None:
        _, _, transport = await udp_exchange(host, port, src, make(src))
        transport.close()

    return udp


def _snmp_get() -> bytes:
    oid = _ber(0x06, bytes([0x2B, 6, 1, 2, 1, 1, 1, 0]))  # sysDescr.0
    varbinds = _ber(0x30, _ber(0x30, oid + b"\x05\x00"))
    pdu = _ber(0xA0, _ber(0x02, b"\x01\x02\x03\x04") + _ber(0x02, b"\x00") + _ber(0x02, b"\x00") + varbinds)
    return _ber(0x30, _ber(0x02, b"\x01") + _ber(0x04, b"public") + pdu)


SNMP_GET = _snmp_get()


async def tftp(host: str, port: int, src: str) -> None:
    data, addr, transport = await udp_exchange(host, port, src, b"\x00\x01bench.cfg\x00octet\x00")
    try:
        if data[:2] == b"\x00\x03":  # DATA: stop the transfer as a client giving up does
            transport.sendto(b"\x00\x05\x00\x00bench\x00", addr)
        elif data[:2] != b"\x00\x05":
            raise ConnectionError("no TFTP answer")
    finally:
        transport.close()


# -- the services under test -------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    slug: str
    port: int
    driver: Driver
    udp: bool = False


def targets(hostname: str) -> dict[str, Target]:
    """Every catalog service with its bench driver (ssh is measured apart)."""
    return {
        t.slug: t
        for t in (
            Target("ftp", 21, ftp_like),
            Target("telnet", 23, telnet),
            Target("http", 80, http_driver("/")),
            Target("https", 443, http_driver("/", tls=True)),
            Target("smtp", 25, smtp),
            Target("smtp_relay", 2525, smtp),
            Target("pop3", 110, pop3),
            Target("imap", 143, imap),
            Target("redis", 6379, redis),
            Target("mysql", 3306, mysql),
            Target("postgres", 5432, postgres),
            Target("mssql", 1433, mssql),
            Target("mongodb", 27017, mongodb),
            Target("vnc", 5900, vnc),
            Target("rdp", 3389, rdp),
            Target("ldap", 389, ldap),
            Target("smb", 445, smb),
            Target("mqtt", 1883, mqtt),
            Target("sip", 5060, sip),
            Target("ics", 502, modbus),
            Target("k8s", 8080, http_driver("/version")),
            Target("docker_api", 2375, http_driver("/version")),
            Target("elasticsearch", 9200, http_driver("/")),
            Target("dns", 53, udp_driver(lambda _src: dns_query(f"www.{hostname.lower()}.local")), udp=True),
            Target("snmp", 161, udp_driver(lambda _src: SNMP_GET), udp=True),
            Target("llmnr", 5355, udp_driver(lambda _src: dns_query(hostname)), udp=True),
            Target("tftp", 69, tftp, udp=True),
        )
    }


def service_configs(slugs: list[str]) -> dict[str, dict[str, Any]]:
    """The runtime's ``services`` object (bench-only settings as the module docstring lists)."""
    special: dict[str, dict[str, Any]] = {
        "ssh": {"users": "bench:bench-pw", "max_startups": "2000:30:2000", "max_connections": 5000},
        "ftp": {"auth_fail_delay": 0},
        "telnet": {"auth_fail_delay": 0},
        "pop3": {"auth_fail_delay": 0},
        "imap": {"auth_fail_delay": 0},
        "smtp": {"auth_fail_delay": 0},
        "smtp_relay": {"auth_fail_delay": 0, "ports": [2525, 2587]},
        "vnc": {"blacklist_threshold": 0},
        "llmnr": {"multicast": False, "bait_interval": 0},
    }
    return {slug: special.get(slug, {}) for slug in slugs}


# -- the runtime process -----------------------------------------------------------------


def make_persona_dict(host: str) -> dict[str, Any]:
    fleet = plan_fleet(
        deckies=1,
        subnet=f"{host.rsplit('.', 1)[0]}.0/24",
        ip_start=host,
        services="ssh",
        distros="debian",
        backend="local",
        seed="5e" * 32,
        name_prefix="bench",
    )
    return persona_to_dict(derive_persona(fleet.deckies[0]))


class Runtime:
    """One ``python -m decnet.decky`` process with the given services."""

    def __init__(self, work: Path, host: str, services: dict[str, dict[str, Any]], sock: Path) -> None:
        persona = make_persona_dict(host)
        self.hostname = str(persona["hostname"])
        self.host = host
        self.dir = work / f"runtime-{host}"
        self.dir.mkdir(parents=True)
        config = {
            "decky": persona["decky"],
            "persona": persona,
            "bind_host": host,
            "services": services,
            "target": f"unix:{sock}",
            "state_dir": str(self.dir / "state"),
            "log_level": "WARNING",
            "flush_timeout": 1.0,
        }
        self.config = self.dir / "runtime.json"
        self.config.write_text(json.dumps(config))
        self.log = self.dir / "runtime.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DECNET_CONFIG": str(self.dir / "no-host.ini")}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "decnet.decky", "--config", str(self.config)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def wait_listening(self, ports: list[int], timeout: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for port in ports:
            while True:
                if self.proc is None or self.proc.poll() is not None:
                    raise RuntimeError(f"the decky runtime exited: {self.log.read_text()[-2000:]}")
                try:
                    _, writer = await asyncio.open_connection(self.host, port)
                except OSError:
                    if loop.time() > deadline:
                        raise RuntimeError(
                            f"port {port} never listened: {self.log.read_text()[-2000:]}"
                        ) from None
                    await asyncio.sleep(0.05)
                    continue
                writer.close()
                break

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def tcp_ports(slugs: list[str], configs: dict[str, dict[str, Any]]) -> list[int]:
    ports: list[int] = []
    for slug in slugs:
        configured = configs.get(slug, {}).get("ports")
        if configured:
            ports.extend(configured)
        else:
            ports.extend(SERVICES[slug].tcp_ports)
    return ports


# -- load generation ---------------------------------------------------------------------


@dataclass
class Rate:
    ok: int
    errors: int
    seconds: float
    first_error: str = ""

    @property
    def per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


async def run_sessions(target: Target, host: str, sources: Sources, clients: int, seconds: float) -> Rate:
    """``clients`` concurrent clients running sessions back to back for ``seconds``."""
    loop = asyncio.get_running_loop()
    ok = errors = 0
    first = ""
    stop_at = loop.time() + seconds

    async def client() -> None:
        nonlocal ok, errors, first
        while loop.time() < stop_at:
            try:
                await asyncio.wait_for(target.driver(host, target.port, sources.next()), STEP_TIMEOUT)
                ok += 1
            except (
                OSError,
                EOFError,
                TimeoutError,
                asyncio.IncompleteReadError,
                ssl.SSLError,
                ValueError,
            ) as exc:
                errors += 1
                first = first or f"{type(exc).__name__}: {exc}"[:200]

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Rate(ok, errors, time.perf_counter() - started, first)


async def http_keepalive(host: str, sources: Sources, clients: int, seconds: float) -> Rate:
    """Requests per second over keep-alive connections (a new one when the server closes)."""
    loop = asyncio.get_running_loop()
    ok = errors = 0
    first = ""
    stop_at = loop.time() + seconds

    async def client() -> None:
        nonlocal ok, errors, first
        conn: Conn | None = None
        while loop.time() < stop_at:
            try:
                if conn is None:
                    conn = await Conn.open(host, 80, sources.next())
                keep = await asyncio.wait_for(_http_request(conn, host, "/", close=False), STEP_TIMEOUT)
                ok += 1
                if not keep:  # the server's keep-alive cap: a new connection, as a browser does
                    conn.close()
                    conn = None
            except (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError) as exc:
                errors += 1
                first = first or f"{type(exc).__name__}: {exc}"[:200]
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Rate(ok, errors, time.perf_counter() - started, first)


def _worker_job(
    slug: str, hostname: str, host: str, sources: tuple[str, int, int], clients: int, seconds: float
) -> tuple[int, int, float, str]:
    """One client process's share of a run: (sessions, errors, seconds, first error)."""
    raise_nofile()
    rate = asyncio.run(_job(slug, hostname, host, Sources(*sources), clients, seconds))
    return rate.ok, rate.errors, rate.seconds, rate.first_error


async def _job(slug: str, hostname: str, host: str, src: Sources, clients: int, seconds: float) -> Rate:
    if slug == "http_keepalive":
        return await http_keepalive(host, src, clients, seconds)
    target = Target("baseline", BASELINE_PORT, ftp_like) if slug == "baseline" else targets(hostname)[slug]
    return await run_sessions(target, host, src, clients, seconds)


class Clients:
    """Runs the clients of a measurement in ``procs`` processes (the client side's own CPU)."""

    def __init__(self, procs: int, hostname: str, host: str, prefix: str) -> None:
        self.procs, self.hostname, self.host, self.prefix = procs, hostname, host, prefix
        self.pool: ProcessPoolExecutor | None = None
        self.local = Sources(prefix)
        if procs > 1:
            self.pool = ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("spawn"))
            list(self.pool.map(abs, range(procs)))  # start the workers before any timing

    async def run(self, slug: str, clients: int, seconds: float) -> Rate:
        """``clients`` concurrent clients of ``slug`` (or "baseline", "http_keepalive") for ``seconds``."""
        if self.pool is None:
            return await _job(slug, self.hostname, self.host, self.local, clients, seconds)
        loop = asyncio.get_running_loop()
        span = 60000 // self.procs
        shares = [clients // self.procs + (k < clients % self.procs) for k in range(self.procs)]
        jobs = [
            loop.run_in_executor(
                self.pool,
                _worker_job,
                slug,
                self.hostname,
                self.host,
                (self.prefix, k * span, (k + 1) * span),
                share,
                seconds,
            )
            for k, share in enumerate(shares)
            if share
        ]
        results = await asyncio.gather(*jobs)
        return Rate(
            sum(r[0] for r in results),
            sum(r[1] for r in results),
            max(r[2] for r in results),
            next((r[3] for r in results if r[3]), ""),
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


# -- ssh ---------------------------------------------------------------------------------


async def ssh_auth_per_cpu(
    runtime: Runtime, sources: Sources, conns: int, per_conn: int = SSH_ATTEMPTS_PER_CONN
) -> tuple[float, int, float, float]:
    """(attempts per runtime CPU-second, attempts, CPU seconds, wall seconds) for ``conns``
    connections of ``per_conn`` wrong passwords each, all at once."""
    import asyncssh

    attempts = 0

    class Guesser(asyncssh.SSHClient):
        def __init__(self) -> None:
            self.tries = 0

        def password_auth_requested(self) -> str | None:
            nonlocal attempts
            if self.tries >= per_conn:
                return None
            self.tries += 1
            attempts += 1
            return f"wrong-{self.tries}"

    async def one() -> None:
        with contextlib.suppress(asyncssh.Error, OSError, TimeoutError):
            conn = await asyncio.wait_for(
                asyncssh.connect(
                    runtime.host,
                    22,
                    username="root",
                    known_hosts=None,
                    client_keys=None,
                    agent_path=None,
                    preferred_auth="password",
                    client_factory=Guesser,
                    local_addr=(sources.next(), 0),
                    login_timeout=60,
                ),
                60,
            )
            conn.close()

    cpu0, t0 = runtime.cpu_s(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(conns)))
    cpu, wall = runtime.cpu_s() - cpu0, time.perf_counter() - t0
    return (attempts / cpu if cpu else 0.0), attempts, cpu, wall


async def ssh_concurrent(runtime: Runtime, sources: Sources, n: int, hold: float) -> tuple[int, int, float]:
    """(connections opened, connections still open after ``hold`` seconds, runtime RSS in MB then)."""
    import asyncssh

    gate = asyncio.Semaphore(50)
    conns: list[Any] = []

    async def one() -> None:
        async with gate:
            with contextlib.suppress(asyncssh.Error, OSError, TimeoutError):
                conn = await asyncio.wait_for(
                    asyncssh.connect(
                        runtime.host,
                        22,
                        username="bench",
                        password="bench-pw",
                        known_hosts=None,
                        client_keys=None,
                        agent_path=None,
                        local_addr=(sources.next(), 0),
                    ),
                    30,
                )
                conns.append(conn)

    await asyncio.gather(*(one() for _ in range(n)))
    opened = len(conns)
    await asyncio.sleep(hold)
    rss = runtime.rss_mb()
    alive = 0
    for conn in conns:
        try:
            # a round trip proves the server still holds the connection
            result = await asyncio.wait_for(conn.run("true", check=False), 10)
            alive += result.exit_status is not None
        except (asyncssh.Error, OSError, TimeoutError):
            pass
    for conn in conns:
        conn.close()
    return opened, alive, rss


# -- the baseline ------------------------------------------------------------------------

BASELINE_SERVER = r"""
import asyncio, sys
async def session(reader, writer):
    writer.write(b"220 ready\r\n")
    try:
        while line := await reader.readline():
            writer.write(b"331 password\r\n" if line.startswith(b"USER") else b"530 denied\r\n")
            if line.startswith(b"PASS"):
                break
    finally:
        writer.close()
async def main():
    server = await asyncio.start_server(session, sys.argv[1], int(sys.argv[2]), backlog=1024)
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


@contextlib.contextmanager
def baseline_server(host: str, port: int) -> Iterator[None]:
    proc = subprocess.Popen([sys.executable, "-c", BASELINE_SERVER, host, str(port)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        yield
    finally:
        proc.terminate()
        proc.wait()


# -- the run -----------------------------------------------------------------------------


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    if soft < want:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def target_text(slug: str) -> str:
    return " (target >= 2,500)" if slug in BANNER_STYLE else ""


def next_host(host: str) -> str:
    """The loopback address after ``host`` (the ten-service runtime's)."""
    head, _, last = host.rpartition(".")
    return f"{head}.{int(last) + 1}"


async def ten_services_rss(work: Path, host: str, present: set[str], sock: Path) -> float:
    """Idle RSS (MB) of a runtime with the ten common services of ``TEN``."""
    ten = [s for s in TEN if s in present]
    configs = service_configs(ten)
    runtime = Runtime(work, host, configs, sock)
    runtime.start()
    try:
        await runtime.wait_listening(tcp_ports(ten, configs))
        await asyncio.sleep(1.0)
        rss = runtime.rss_mb()
    finally:
        runtime.stop()
    print(f"runtime, {len(ten)} services idle ({','.join(ten)}): RSS {rss:.1f} MB (target <= 80)")
    return rss


async def measure_baseline(args: argparse.Namespace, clients: Clients) -> float:
    """Sessions per second of a bare asyncio banner server, driven as the ftp service is."""
    with baseline_server(args.host, BASELINE_PORT):
        rate = await clients.run("baseline", args.clients, args.seconds)
    print(f"baseline (bare asyncio banner server): {rate.per_s:,.0f} sessions/s, errors {rate.errors}")
    return rate.per_s


async def measure_service(
    runtime: Runtime, slug: str, args: argparse.Namespace, clients: Clients, baseline: float | None
) -> dict[str, Any]:
    """Sessions per second of one service (and keep-alive requests for http)."""
    cpu0 = runtime.cpu_s()
    rate = await clients.run(slug, args.clients, args.seconds)
    cpu = runtime.cpu_s() - cpu0
    ratio = f", {rate.per_s / baseline:.2f}x baseline" if baseline else ""
    per_cpu = f", {rate.ok / cpu:,.0f} per runtime CPU-s" if cpu > 0 else ""
    err = f" [{rate.first_error}]" if rate.errors else ""
    print(
        f"{slug:14}: {rate.per_s:8,.0f} sessions/s{ratio}{per_cpu}, errors {rate.errors}"
        f"{target_text(slug)}{err}"
    )
    out: dict[str, Any] = {f"{slug}_sessions_per_s": round(rate.per_s)}
    if slug == "http":
        cpu0 = runtime.cpu_s()
        keep = await clients.run("http_keepalive", args.clients, args.seconds)
        cpu = runtime.cpu_s() - cpu0
        per_cpu = f", {keep.ok / cpu:,.0f} per runtime CPU-s" if cpu > 0 else ""
        print(
            f"{'http':14}: {keep.per_s:8,.0f} requests/s over keep-alive{per_cpu}, errors {keep.errors} "
            "(target >= 3,000)"
        )
        out["http_keepalive_requests_per_s"] = round(keep.per_s)
    return out


async def measure_ssh(runtime: Runtime, args: argparse.Namespace, sources: Sources) -> dict[str, Any]:
    """Failed password attempts per runtime CPU-second, and concurrent sessions held."""
    per_cpu, attempts, cpu, wall = await ssh_auth_per_cpu(runtime, sources, args.ssh_conns, args.ssh_attempts)
    print(
        f"{'ssh':14}: {per_cpu:8,.0f} failed password attempts per runtime CPU-second ({attempts} attempts, "
        f"{args.ssh_conns} connections, {cpu:.2f} CPU-s in {wall:.1f} s; target >= 400)"
    )
    if args.ssh_attempts > 1:  # for comparison: a client that reconnects for every password
        one_cpu, one_attempts, one_used, _ = await ssh_auth_per_cpu(runtime, sources, args.ssh_conns // 2, 1)
        print(
            f"{'ssh':14}: {one_cpu:8,.0f} per runtime CPU-second with one attempt per connection "
            f"({one_attempts} attempts, {one_used:.2f} CPU-s: the key exchange dominates)"
        )
    rss0 = runtime.rss_mb()
    opened, alive, rss = await ssh_concurrent(runtime, sources, args.ssh_hold, args.hold_seconds)
    print(
        f"{'ssh':14}: {alive:8,} concurrent logged-in sessions held of {args.ssh_hold} "
        f"({opened} logged in; runtime RSS {rss0:.0f} -> {rss:.0f} MB; target >= 1,000)"
    )
    return {"ssh_auth_per_cpu_s": round(per_cpu), "ssh_concurrent_sessions": alive}


async def bench_runtime(
    args: argparse.Namespace, work: Path, sock: Path, wanted: list[str], present: set[str]
) -> dict[str, Any]:
    """Start the runtime with every wanted service that exists and measure each."""
    slugs = [s for s in wanted if s in present]
    out: dict[str, Any] = {}
    configs = service_configs(slugs)
    runtime = Runtime(work, args.host, configs, sock)
    started = time.perf_counter()
    runtime.start()
    clients = Clients(args.client_procs, runtime.hostname, args.host, args.src_prefix)
    try:
        await runtime.wait_listening(tcp_ports(slugs, configs))
        print(f"runtime, {len(slugs)} services listening after {time.perf_counter() - started:.1f} s")
        await asyncio.sleep(1.0)
        idle_rss = runtime.rss_mb()
        print(f"runtime, {len(slugs)} services idle: RSS {idle_rss:.1f} MB")
        baseline = None
        if args.baseline:
            baseline = await measure_baseline(args, clients)
            out["baseline_sessions_per_s"] = round(baseline)
        for slug in wanted:
            if slug not in present:
                print(f"{slug:14}: absent (no package decnet/services/{slug})")
                out.update(
                    {"ssh_auth_per_cpu_s": None, "ssh_concurrent_sessions": None}
                    if slug == "ssh"
                    else {f"{slug}_sessions_per_s": None}
                )
            elif slug == "ssh":
                out.update(await measure_ssh(runtime, args, clients.local))
            else:
                out.update(await measure_service(runtime, slug, args, clients, baseline))
        print(f"runtime after the load: RSS {runtime.rss_mb():.1f} MB, {runtime.cpu_s():.1f} CPU-s in all")
        out["runtime_rss_mb"] = round(idle_rss, 1)
    finally:
        clients.close()
        runtime.stop()
    return out


async def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    present = set(builtin_packages())
    wanted = [s for s in SERVICES if s in args.services]
    wanted.sort(key=lambda slug: slug == "ssh")  # ssh last: its held sessions load the runtime
    sink = CountingSink()
    with tempfile.TemporaryDirectory(prefix="decnet-bench-svc-") as tmp:
        work = Path(tmp)
        sock = work / "run" / "ingest.sock"
        receiver = EventReceiver(sink)
        await receiver.start_unix(sock)
        try:
            ten_rss = (
                await ten_services_rss(work, next_host(args.host), present, sock) if args.ten_rss else None
            )
            out = await bench_runtime(args, work, sock, wanted, present)
            out["runtime_ten_rss_mb"] = None if ten_rss is None else round(ten_rss, 1)
        finally:
            await asyncio.sleep(0.2)
            await receiver.stop()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"(load average at the end: {load} on {os.cpu_count()} CPUs; clients, collector and decky share them)"
    )
    connects = sum(n for (_, kind), n in sink.counts.items() if kind == "connect")
    print(
        f"({sum(sink.counts.values()):,} events received, {connects:,} connects; "
        f"{args.clients} clients in {args.client_procs} processes)"
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="DECNET service benchmark")
    parser.add_argument("--quick", action="store_true", help="shorter runs (< 90 s)")
    parser.add_argument("--services", default=",".join(SERVICES), help="comma-separated slugs (default: all)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds of load per service")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (in all)")
    parser.add_argument("--client-procs", type=int, default=2, help="processes the clients run in")
    parser.add_argument("--ssh-conns", type=int, default=None, help="connections of the ssh auth run")
    parser.add_argument(
        "--ssh-attempts", type=int, default=SSH_ATTEMPTS_PER_CONN, help="wrong passwords per ssh connection"
    )
    parser.add_argument("--ssh-hold", type=int, default=None, help="ssh connections opened and held")
    parser.add_argument("--hold-seconds", type=float, default=2.0)
    parser.add_argument("--host", default="127.88.0.2", help="loopback address of the decky")
    parser.add_argument("--src-prefix", default="127.89", help="client source addresses: <prefix>.x.y")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false")
    parser.add_argument("--no-ten-rss", dest="ten_rss", action="store_false")
    args = parser.parse_args(argv)
    args.services = [s.strip() for s in args.services.split(",") if s.strip()]
    unknown = [s for s in args.services if s not in SERVICES]
    if unknown:
        raise SystemExit(f"unknown services: {', '.join(unknown)}")
    if args.seconds is None:
        args.seconds = 1.0 if args.quick else 4.0
    if args.ssh_conns is None:
        args.ssh_conns = 100 if args.quick else 300
    if args.ssh_hold is None:
        args.ssh_hold = 400 if args.quick else 1200
    raise_nofile()
    started = time.perf_counter()
    figures = asyncio.run(run_bench(args))
    print(f"({time.perf_counter() - started:.1f} s in all)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
