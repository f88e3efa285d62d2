"""The llmnr service: a Windows/Linux host's LLMNR (RFC 4795) and mDNS (RFC 6762) responder.

It logs every query it hears, answers only for the persona's own hostname (if configured), and
now and then asks for names nobody should have (``bait_names``): a host that answers them, or
that sends responses nobody asked for, is poisoning name resolution the way Responder does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import ClassVar

from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.dns import message as m
from decnet.services.dns.transport import DatagramHandler, SourceLimiter, UdpListener
from decnet.services.llmnr.config import LLMNRConfig
from decnet.services.text import clip

LLMNR_GROUP = "224.0.0.252"
MDNS_GROUP = "224.0.0.251"
PROTOCOLS = ("llmnr", "mdns")
PENDING_SECONDS = 30.0
MAX_PENDING = 256
MAX_LOG_NAME = 300


@dataclass(frozen=True, slots=True)
class Bait:
    name: m.Name
    protocol: str
    sent: float


class LLMNRService(Service):
    """LLMNR on the first port, mDNS on the second; UDP, unicast and (if it can) multicast."""

    slug = "llmnr"
    default_ports = (5355, 5353)
    config_model: ClassVar[type[ServiceConfig]] = LLMNRConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, LLMNRConfig):
            self.config = LLMNRConfig.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, LLMNRConfig)
        self.cfg: LLMNRConfig = self.config
        self.host = self.persona.hostname.split(".", 1)[0].lower().encode()
        self.listeners: dict[str, UdpListener] = {}  #: protocol -> unicast listener
        self.group_listeners: list[UdpListener] = []
        self.bound_ports: list[int] = []
        self.pending: OrderedDict[int, Bait] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        limiter = SourceLimiter(self.cfg.rate, self.cfg.burst)
        try:
            for protocol, port in zip(PROTOCOLS, self.ports, strict=False):
                listener = UdpListener(self, self._handler(protocol, False), limiter, self._bug)
                bound = await listener.open(self.ctx.bind_host, port)
                self.listeners[protocol] = listener
                self.bound_ports.append(bound)
                self._multicast_sender(listener)
                if self.cfg.multicast:
                    await self._join(protocol, bound, limiter)
        except OSError:
            await self.stop()
            raise
        if self.cfg.bait_interval and self.cfg.bait_names:
            self._task = asyncio.create_task(self._bait_loop())
        self.log.info("llmnr listening on %s udp %s", self.ctx.bind_host, self.bound_ports)

    def _multicast_sender(self, listener: UdpListener) -> None:
        """Send bait from the decky's interface, and do not hear our own multicast back."""
        sock = listener.transport.get_extra_info("socket") if listener.transport is not None else None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.ctx.bind_host))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)

    async def _join(self, protocol: str, port: int, limiter: SourceLimiter) -> None:
        group = LLMNR_GROUP if protocol == "llmnr" else MDNS_GROUP
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with contextlib.suppress(AttributeError, OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((group, port))
            request = socket.inet_aton(group) + socket.inet_aton(self.ctx.bind_host)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, request)
            sock.setblocking(False)
            listener = UdpListener(self, self._handler(protocol, True), limiter, self._bug)
            await listener.open_socket(sock)
            self.group_listeners.append(listener)
        except OSError as exc:
            sock.close()
            self.log.warning("llmnr: cannot join %s on %s (%s); unicast only", group, self.ctx.bind_host, exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        for listener in [*self.listeners.values(), *self.group_listeners]:
            listener.close()
        self.listeners.clear()
        self.group_listeners.clear()
        self.bound_ports.clear()

    def _bug(self, exc: BaseException) -> None:
        self.log.error("llmnr handler failed: %r", exc, exc_info=exc)

    # -- bait ---------------------------------------------------------------------------

    async def _bait_loop(self) -> None:
        rng = random.Random()
        while True:
            await asyncio.sleep(self.cfg.bait_interval * rng.uniform(0.7, 1.3))
            self.send_bait()

    def send_bait(self, target: tuple[str, int] | None = None) -> int:
        """Ask for every bait name (on LLMNR and mDNS, to the groups or ``target``); return queries sent."""
        sent = 0
        now = time.monotonic()
        for protocol, listener in self.listeners.items():
            transport = listener.transport
            if transport is None:
                continue
            group = (LLMNR_GROUP, 5355) if protocol == "llmnr" else (MDNS_GROUP, 5353)
            for label in self.cfg.bait_names:
                name: m.Name = (label.encode(),) if protocol == "llmnr" else (label.encode(), b"local")
                ident = random.randrange(1, 0x10000) if protocol == "llmnr" else 0
                b = m.Builder()
                b.question(m.Question(name, m.A, m.IN))
                with contextlib.suppress(OSError):
                    transport.sendto(b.finish(ident, 0), target or group)
                    sent += 1
                key = ident if protocol == "llmnr" else hash((protocol, m.lower(name))) & 0x7FFFFFFF
                self.pending[key] = Bait(m.lower(name), protocol, now)
                while len(self.pending) > MAX_PENDING:
                    self.pending.popitem(last=False)
        return sent

    def _bait_for(self, protocol: str, msg: m.Message) -> Bait | None:
        now = time.monotonic()
        names = {m.lower(q.name) for q in msg.questions} | {m.lower(r.name) for r in msg.answers}
        for key, bait in list(self.pending.items()):
            if now - bait.sent > PENDING_SECONDS:
                del self.pending[key]
                continue
            if bait.protocol == protocol and bait.name in names:
                return bait
        return None

    # -- datagrams ----------------------------------------------------------------------

    def _handler(self, protocol: str, multicast: bool) -> DatagramHandler:
        def handle(
            data: bytes, src_ip: str, src_port: int, transport: asyncio.DatagramTransport, port: int
        ) -> None:
            for reply, dest in self.handle(data, protocol, multicast, src_ip, src_port):
                with contextlib.suppress(OSError):
                    (self.listeners[protocol].transport or transport).sendto(reply, dest)

        return handle

    def handle(
        self, data: bytes, protocol: str, multicast: bool, src_ip: str, src_port: int
    ) -> list[tuple[bytes, tuple[str, int]]]:
        """Replies (and where to send them) to one datagram, emitting its events."""
        if src_ip == self.ctx.bind_host and src_port in self.bound_ports:
            return []  # our own bait, looped back
        base = {"protocol": protocol, "multicast": "1" if multicast else "0", "size": str(len(data))}
        try:
            msg = m.parse(data)
        except m.DnsError as err:
            self.emit("malformed", src_ip=src_ip, src_port=src_port, fields={**base, "reason": str(err)})
            return []
        if msg.qr:
            self._response(msg, protocol, base, src_ip, src_port)
            return []
        replies: list[tuple[bytes, tuple[str, int]]] = []
        for q in msg.questions[:8]:
            own = self._is_own(q.name, protocol)
            fields = {
                **base,
                "qname": clip(m.name_text(q.name), MAX_LOG_NAME),
                "qtype": m.type_name(q.qtype),
                "qclass": m.class_name(q.qclass),
                "own_name": "1" if own else "0",
            }
            if protocol == "mdns":
                fields["unicast_response"] = "1" if q.qclass & 0x8000 else "0"
            answer = (
                self._answer(msg, q, protocol, src_ip, src_port) if own and self.cfg.answer_own_name else None
            )
            fields["answered"] = "1" if answer else "0"
            self.emit("query", src_ip=src_ip, src_port=src_port, fields=fields)
            if answer:
                replies.append(answer)
        return replies

    def _is_own(self, name: m.Name, protocol: str) -> bool:
        low = m.lower(name)
        if protocol == "llmnr":
            return len(low) == 1 and low[0] == self.host
        return low == (self.host, b"local")

    def _answer(
        self, msg: m.Message, q: m.Question, protocol: str, src_ip: str, src_port: int
    ) -> tuple[bytes, tuple[str, int]] | None:
        try:
            addr = ipaddress.ip_address(self.persona.ip)
        except ValueError:
            return None
        rtype = m.A if addr.version == 4 else m.AAAA
        if q.qtype not in (rtype, m.ANY):
            return None
        b = m.Builder()
        if protocol == "llmnr":
            b.question(q)
            b.record(m.RR(q.name, rtype, self.cfg.ttl, addr.packed), 1)
            return b.finish(msg.id, 0x8000), (src_ip, src_port)
        legacy = src_port != 5353
        unicast = legacy or bool(q.qclass & 0x8000) or not self.group_listeners
        if legacy:
            b.question(m.Question(q.name, q.qtype, q.qclass & 0x7FFF))
        rclass = m.IN if legacy else m.IN | 0x8000  # cache-flush: a unique record
        b.record(m.RR(q.name, rtype, self.cfg.ttl if legacy else 120, addr.packed, rclass=rclass), 1)
        dest = (src_ip, src_port) if unicast else (MDNS_GROUP, 5353)
        return b.finish(msg.id if legacy else 0, 0x8400), dest

    def _response(
        self, msg: m.Message, protocol: str, base: dict[str, str], src_ip: str, src_port: int
    ) -> None:
        names = [m.name_text(r.name) for r in msg.answers] or [m.name_text(q.name) for q in msg.questions]
        answers = []
        for record in msg.answers[:8]:
            if record.rtype == m.A and len(record.rdata) == 4:
                answers.append(str(ipaddress.IPv4Address(record.rdata)))
            elif record.rtype == m.AAAA and len(record.rdata) == 16:
                answers.append(str(ipaddress.IPv6Address(record.rdata)))
            else:
                answers.append(m.type_name(record.rtype))
        fields = {
            **base,
            "name": clip(",".join(names[:8]), MAX_LOG_NAME),
            "answers": clip(",".join(answers), 512),
            "ttl": str(msg.answers[0].ttl) if msg.answers else "",
        }
        bait = self._bait_for(protocol, msg)
        claims_own = any(self._is_own(r.name, protocol) for r in msg.answers) and src_ip != self.persona.ip
        if bait is not None or claims_own:
            fields["reason"] = "bait" if bait is not None else "own_name"
            self.emit("poisoning", src_ip=src_ip, src_port=src_port, fields=fields)
        else:
            self.emit("unsolicited_response", src_ip=src_ip, src_port=src_port, fields=fields)
