"""The tftp service: a UDP TFTP server (as tftpd-hpa answers) that logs every request and captures uploads.

Each RRQ/WRQ is an event with the filename, mode and options. Reads of the persona's bait
files (a Cisco persona's ``startup-config``) are served; other reads get ``File not found``.
Writes are accepted (as ``tftpd-hpa -c``), received on a new transfer port, bounded, hashed and
kept under the state directory. Malformed datagrams are logged at a bounded rate.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar, cast

from pydantic import Field, field_validator

from decnet.fleet.persona import Persona
from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.smtp.capture import Capture
from decnet.services.smtp.linesvc import check_ports, split_ports
from decnet.services.text import clip
from decnet.services.tftp import packets as pk

#: Malformed-datagram events per minute at most (a flood is summarised, not mirrored).
MAX_MALFORMED_PER_MINUTE = 60
_QUEUE = 64


class TFTPConfig(ServiceConfig):
    """Options of the tftp service; unknown keys are rejected."""

    allow_write: bool = Field(True, description="Accept WRQ uploads (captured, never executed).")
    max_write_bytes: int = Field(
        16 * 1024 * 1024,
        ge=0,
        le=256 * 1024 * 1024,
        description="Bytes of an upload kept; beyond, 'Disk full'.",
    )
    store_uploads: bool = Field(True, description="Write captured uploads under the state directory.")
    max_stored_uploads: int = Field(1000, ge=0, le=1_000_000, description="Uploads kept on disk at most.")
    max_transfers: int = Field(
        64, ge=1, le=4096, description="Concurrent transfers; more requests are refused."
    )
    max_transfers_per_ip: int = Field(
        4,
        ge=1,
        le=4096,
        description="Concurrent transfers per source address (limits reflection of spoofed requests).",
    )
    timeout: float = Field(3.0, gt=0, le=60, description="Seconds to wait for a block or an ACK.")
    retries: int = Field(5, ge=0, le=20, description="Retransmissions before a transfer is abandoned.")
    bait_files: bool = Field(
        True, description="Serve the persona's bait files (e.g. a Cisco startup-config)."
    )

    @field_validator("ports", mode="before")
    @classmethod
    def _port_list(cls, value: object) -> object:
        return split_ports(value)

    @field_validator("ports")
    @classmethod
    def _port_range(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return check_ports(value)


def bait_files(persona: Persona) -> dict[str, bytes]:
    """Files a TFTP server on this persona plausibly holds."""
    if persona.os_family != "cisco":
        return {}
    host = persona.hostname.split(".", 1)[0]
    salt = persona.seed[:2].hex()
    config = (
        "!\nversion 15.2\nservice timestamps debug datetime msec\nservice password-encryption\n!\n"
        f"hostname {host}\n!\nenable secret 5 $1${salt}$Qf3kF0cXmUyk2lJ0qvGxN/\n!\n"
        "username admin privilege 15 secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0\n!\n"
        "interface Vlan1\n ip address dhcp\n!\nsnmp-server community public RO\n!\n"
        "line vty 0 4\n login local\n transport input ssh telnet\n!\nend\n"
    ).encode()
    return {"startup-config": config, "running-config": config, f"{host}-confg": config}


class _Endpoint(asyncio.DatagramProtocol):
    """A UDP socket whose datagrams go to a callback or a bounded queue."""

    def __init__(self, on_datagram: Callable[[bytes, tuple[str, int]], None] | None = None) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.queue: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue(_QUEUE)
        self.on_datagram = on_datagram

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.on_datagram is not None:
            self.on_datagram(data, addr)
        elif not self.queue.full():
            self.queue.put_nowait((data, addr))

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable and the like
        return None


def _same(endpoint: _Endpoint) -> _Endpoint:
    return endpoint


class TFTPService(Service):
    """TFTP on UDP port 69."""

    slug = "tftp"
    default_ports = (69,)
    config_model: ClassVar[type[ServiceConfig]] = TFTPConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, TFTPConfig):
            self.config = TFTPConfig.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, TFTPConfig)
        self.cfg: TFTPConfig = self.config
        self.files = bait_files(self.persona) if self.cfg.bait_files else {}
        self.bound_ports: list[int] = []
        self._listeners: list[_Endpoint] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._malformed_window = (0.0, 0)
        self._per_ip: dict[str, int] = {}

    async def start(self) -> None:
        """Bind every UDP port."""
        loop = asyncio.get_running_loop()
        try:
            for port in self.ports:
                endpoint = _Endpoint(partial(self._request, port))
                transport, _ = await loop.create_datagram_endpoint(
                    partial(_same, endpoint), local_addr=(self.ctx.bind_host, port)
                )
                self._listeners.append(endpoint)
                self.bound_ports.append(int(transport.get_extra_info("sockname")[1]))
        except OSError:
            await self.stop()
            raise
        self.log.info("tftp listening on %s udp port(s) %s", self.ctx.bind_host, self.bound_ports)

    async def stop(self) -> None:
        """Close the sockets and abandon transfers."""
        for endpoint in self._listeners:
            if endpoint.transport is not None:
                endpoint.transport.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        self._listeners.clear()
        self.bound_ports.clear()

    # -- requests ------------------------------------------------------------------------------

    def _reply(self, port: int, packet: bytes, addr: tuple[str, int]) -> None:
        listener = self._listeners[self.ports.index(port)] if port in self.ports else None
        if listener is not None and listener.transport is not None:
            listener.transport.sendto(packet, addr)

    def _request(self, port: int, datagram: bytes, addr: tuple[str, int]) -> None:
        src_ip, src_port = str(addr[0]), int(addr[1])
        try:
            request = pk.parse_request(datagram)
        except pk.TFTPError as exc:
            self._malformed(src_ip, src_port, datagram, str(exc))
            self._reply(port, pk.error(pk.ILLEGAL), addr)
            return
        sid = secrets.token_hex(8)
        fields = {
            "filename": clip(request.filename, 512),
            "mode": request.mode,
            "options": clip(",".join(f"{k}={v}" for k, v in request.options.items()), 512),
            "dst_port": str(port),
        }
        busy = self._per_ip.get(src_ip, 0) >= self.cfg.max_transfers_per_ip
        if busy or len(self._tasks) >= self.cfg.max_transfers:
            self.emit(
                request.kind, src_ip=src_ip, src_port=src_port, sid=sid, fields={**fields, "result": "busy"}
            )
            self._reply(port, pk.error(pk.DISK_FULL, "Server busy"), addr)
            return
        task = asyncio.get_running_loop().create_task(self._transfer(request, addr, sid, fields))
        self._tasks.add(task)
        self._per_ip[src_ip] = self._per_ip.get(src_ip, 0) + 1
        task.add_done_callback(partial(self._finished, src_ip))

    def _finished(self, src_ip: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        left = self._per_ip.get(src_ip, 1) - 1
        if left > 0:
            self._per_ip[src_ip] = left
        else:
            self._per_ip.pop(src_ip, None)

    def _malformed(self, src_ip: str, src_port: int, datagram: bytes, reason: str) -> None:
        now = time.monotonic()
        start, count = self._malformed_window
        if now - start > 60:
            start, count = now, 0
        self._malformed_window = (start, count + 1)
        if count < MAX_MALFORMED_PER_MINUTE:
            self.emit(
                "malformed",
                src_ip=src_ip,
                src_port=src_port,
                fields={
                    "reason": clip(reason, 64),
                    "size": str(len(datagram)),
                    "data": clip(datagram[:256], 512),
                },
            )

    async def _transfer(
        self, request: pk.Request, addr: tuple[str, int], sid: str, fields: dict[str, str]
    ) -> None:
        loop = asyncio.get_running_loop()
        src_ip, src_port = str(addr[0]), int(addr[1])
        started = time.monotonic()
        endpoint = _Endpoint()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                partial(_same, endpoint), local_addr=(self.ctx.bind_host, 0)
            )
        except OSError:
            return
        result: dict[str, str] = {}
        try:
            if request.opcode == pk.RRQ:
                result = await self._send_file(endpoint, transport, request, addr)
            else:
                result = await self._receive_file(endpoint, transport, request, addr)
        except asyncio.CancelledError:
            result = {"result": "shutdown"}
        finally:
            transport.close()
            result["duration_ms"] = str(int((time.monotonic() - started) * 1000))
            self.emit(request.kind, src_ip=src_ip, src_port=src_port, sid=sid, fields={**fields, **result})

    def _options(self, request: pk.Request, size: int | None) -> tuple[dict[str, str], int]:
        """Accepted options (for an OACK) and the block size."""
        accepted: dict[str, str] = {}
        blksize = 512
        raw = request.options.get("blksize", "")
        if raw.isdigit() and len(raw) < 6:
            blksize = max(8, min(int(raw), 1468))  # tftpd-hpa caps at the path MTU
            accepted["blksize"] = str(blksize)
        if "tsize" in request.options:
            tsize = request.options["tsize"]
            accepted["tsize"] = str(size) if size is not None else (tsize if tsize.isdigit() else "0")
        raw = request.options.get("timeout", "")
        if raw.isdigit() and 1 <= int(raw) <= 255:
            accepted["timeout"] = raw
        return accepted, blksize

    async def _exchange(
        self,
        endpoint: _Endpoint,
        transport: asyncio.DatagramTransport,
        addr: tuple[str, int],
        packet: bytes,
        want: int,
        block: int,
    ) -> tuple[int, bytes] | None:
        """Send ``packet`` until the client answers ``want`` for ``block``; (block, payload) or None."""
        for _ in range(self.cfg.retries + 1):
            transport.sendto(packet, addr)
            deadline = asyncio.get_running_loop().time() + self.cfg.timeout
            while True:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    datagram, source = await asyncio.wait_for(endpoint.queue.get(), remaining)
                except TimeoutError:
                    break
                if source != addr:
                    transport.sendto(pk.error(pk.UNKNOWN_TID), source)
                    continue
                opcode, got, payload = pk.parse_reply(datagram)
                if opcode == pk.ERROR:
                    return None
                if opcode == want and got == block & 0xFFFF:
                    return got, payload
        return None

    async def _send_file(
        self,
        endpoint: _Endpoint,
        transport: asyncio.DatagramTransport,
        request: pk.Request,
        addr: tuple[str, int],
    ) -> dict[str, str]:
        name = request.filename.decode("utf-8", "replace").lstrip("/")
        content = self.files.get(name)
        if content is None:
            transport.sendto(pk.error(pk.NOT_FOUND), addr)
            return {"result": "not_found"}
        accepted, blksize = self._options(request, len(content))
        if accepted and await self._exchange(endpoint, transport, addr, pk.oack(accepted), pk.ACK, 0) is None:
            return {"result": "timeout"}
        block = 1
        offset = 0
        while True:
            chunk = content[offset : offset + blksize]
            if await self._exchange(endpoint, transport, addr, pk.data(block, chunk), pk.ACK, block) is None:
                return {"result": "timeout", "bytes": str(offset)}
            offset += len(chunk)
            if len(chunk) < blksize:
                return {"result": "sent", "bytes": str(offset)}
            block += 1

    async def _receive_file(
        self,
        endpoint: _Endpoint,
        transport: asyncio.DatagramTransport,
        request: pk.Request,
        addr: tuple[str, int],
    ) -> dict[str, str]:
        if not self.cfg.allow_write:
            transport.sendto(pk.error(pk.ACCESS), addr)
            return {"result": "denied"}
        accepted, blksize = self._options(request, None)
        folder = Path(self.ctx.state_dir) / "tftp-uploads" if self.cfg.store_uploads else None
        capture = Capture(folder, self.cfg.max_write_bytes)
        try:
            result = await self._receive_blocks(endpoint, transport, addr, accepted, blksize, capture)
            fields = {"result": result, "bytes": str(capture.size), "sha256": capture.sha256}
            stored = capture.keep(".bin", self.cfg.max_stored_uploads) if capture.size else ""
            if stored:
                fields["stored"] = stored
            return fields
        finally:
            capture.discard()

    async def _receive_blocks(
        self,
        endpoint: _Endpoint,
        transport: asyncio.DatagramTransport,
        addr: tuple[str, int],
        accepted: dict[str, str],
        blksize: int,
        capture: Capture,
    ) -> str:
        """Receive DATA blocks into ``capture``; the transfer's result."""
        first = pk.oack(accepted) if accepted else pk.ack(0)
        answer = await self._exchange(endpoint, transport, addr, first, pk.DATA, 1)
        block = 1
        while True:
            if answer is None:
                return "timeout"
            payload = answer[1]
            if capture.size + len(payload) > self.cfg.max_write_bytes:
                transport.sendto(pk.error(pk.DISK_FULL), addr)
                return "too_big"
            capture.add(payload)
            if len(payload) < blksize:
                transport.sendto(pk.ack(block), addr)
                return "received"
            answer = await self._exchange(endpoint, transport, addr, pk.ack(block), pk.DATA, block + 1)
            block += 1
