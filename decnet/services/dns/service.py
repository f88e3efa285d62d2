"""The dns service: an authoritative-only BIND for the decky's zone, on UDP and TCP."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import struct
import time
from typing import ClassVar

from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.dns import message as m
from decnet.services.dns.config import DNSConfig
from decnet.services.dns.detect import FloodTracker, amplification_reasons, tunnel_reasons
from decnet.services.dns.transport import (
    SourceLimiter,
    TcpConn,
    TcpListeners,
    UdpListener,
    open_udp_and_tcp,
    read_exact,
)
from decnet.services.dns.zone import Zone, build_zone, default_zone
from decnet.services.text import clip

COOKIE = 10  #: EDNS option code
#: BIND 9.18's default EDNS buffer size (what it advertises and the most it sends over UDP).
EDNS_SIZE = 1232
MAX_QUERIES_PER_CONNECTION = 1000
MAX_LOG_NAME = 300
#: BIND when the persona names none (e.g. an embedded or BSD persona without one).
FALLBACK_VERSION = "9.18.24"


class DNSService(Service):
    """Authoritative answers for one zone; recursion REFUSED; abuse patterns logged."""

    slug = "dns"
    default_ports = (53,)
    config_model: ClassVar[type[ServiceConfig]] = DNSConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, DNSConfig):
            self.config = DNSConfig.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, DNSConfig)
        self.cfg: DNSConfig = self.config
        self.zone: Zone = build_zone(
            self.persona, self.cfg.zone or default_zone(self.persona), self.cfg.ttl, self.cfg.records
        )
        windows = self.persona.os_family == "windows"
        self.version: str | None = self.cfg.version or self.persona.version_of(
            "bind", "" if windows else FALLBACK_VERSION
        )
        self.flood = FloodTracker(self.cfg.txt_flood)
        self._cookie_secret = secrets.token_bytes(16)
        self.udp: list[UdpListener] = []
        self.tcp = TcpListeners(
            self, self._tcp_client, max_connections=self.cfg.max_connections, on_error=self._bug
        )
        self.bound_ports: list[int] = []

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on UDP and TCP of every port (TCP on the port UDP got, when 0 was asked)."""
        try:
            for port in self.ports:
                limiter = SourceLimiter(self.cfg.rate, self.cfg.burst)
                udp = UdpListener(self, self._udp_datagram, limiter, self._bug)
                self.udp.append(udp)
                bound = await open_udp_and_tcp(udp, self.tcp, self.ctx.bind_host, port)
                self.bound_ports.append(bound)
        except OSError:
            await self.stop()
            raise
        self.log.info(
            "dns serving %s on %s ports %s",
            m.name_text(self.zone.origin),
            self.ctx.bind_host,
            self.bound_ports,
        )

    async def stop(self) -> None:
        for udp in self.udp:
            udp.close()
        self.udp.clear()
        await self.tcp.close()
        self.bound_ports.clear()

    def _bug(self, exc: BaseException) -> None:
        self.log.error("dns handler failed: %r", exc, exc_info=exc)

    # -- transports ---------------------------------------------------------------------

    def _udp_datagram(
        self, data: bytes, src_ip: str, src_port: int, transport: asyncio.DatagramTransport, port: int
    ) -> None:
        reply = self.answer(data, src_ip, src_port, None, "udp")
        if reply is not None:
            transport.sendto(reply, (src_ip, src_port))

    async def _tcp_client(self, conn: TcpConn) -> None:
        while conn.actions < MAX_QUERIES_PER_CONNECTION:
            head = await read_exact(conn, 2, self.cfg.tcp_idle_timeout)
            if head is None:
                return
            (size,) = struct.unpack("!H", head)
            body = await read_exact(conn, size, self.cfg.tcp_idle_timeout) if size else b""
            if body is None:
                return
            conn.actions += 1
            reply = self.answer(body, conn.src_ip, conn.src_port, conn.sid, "tcp")
            if reply is None:
                continue
            if not await conn.send(struct.pack("!H", len(reply)) + reply):
                return
        conn.close_reason = "limit"

    # -- the server ---------------------------------------------------------------------

    def _event(
        self, kind: str, src: tuple[str | None, int | None, str | None], fields: dict[str, str]
    ) -> None:
        self.emit(kind, src_ip=src[0], src_port=src[1], sid=src[2], fields=fields)

    def answer(
        self, data: bytes, src_ip: str | None, src_port: int | None, sid: str | None, transport: str
    ) -> bytes | None:
        """The reply to one message (None: no reply), emitting the events it calls for."""
        src = (src_ip, src_port, sid)
        base = {"transport": transport, "size": str(len(data))}
        try:
            ident, flags, *_ = m.parse_header(data)
        except m.DnsError as err:
            self._event("malformed", src, {**base, "reason": str(err), "head": data[:32].hex()})
            return None
        if flags & 0x8000:
            self._event(
                "malformed", src, {**base, "reason": "response sent to the server", "head": data[:32].hex()}
            )
            return None
        opcode = (flags >> 11) & 0xF
        reply_flags = 0x8000 | (opcode << 11) | (flags & 0x0100)
        try:
            msg = m.parse(data)
        except m.DnsError as err:
            self._event("malformed", src, {**base, "reason": str(err), "head": data[:32].hex()})
            return m.header_only(ident, reply_flags | m.FORMERR)
        if opcode != 0 or len(msg.questions) != 1:
            rcode = m.FORMERR if opcode == 0 else (m.REFUSED if opcode == 5 else m.NOTIMP)
            fields = {**base, "opcode": str(opcode), "questions": str(len(msg.questions))}
            fields["rcode"] = m.RCODE_NAMES[rcode]
            self._event("update" if opcode == 5 else "query", src, fields)
            return self._reply(
                msg, reply_flags | rcode, [], [], [], transport, echo_question=opcode == 5, client=src_ip
            )
        q = msg.questions[0]
        qname = clip(m.name_text(q.name), MAX_LOG_NAME)
        fields = {
            **base,
            "qname": qname,
            "qtype": m.type_name(q.qtype),
            "qclass": m.class_name(q.qclass),
            "rd": "1" if msg.rd else "0",
        }
        if msg.edns is not None:
            fields["edns_size"] = str(msg.edns.udp_size)
            fields["edns_do"] = "1" if msg.edns.dnssec_ok else "0"
        if q.qtype in (m.AXFR, m.IXFR):
            ours = m.lower(q.name) == m.lower(self.zone.origin)
            # BIND: AXFR over UDP is FORMERR; a zone it does not serve NOTAUTH; its own zone REFUSED
            # (allow-transfer { none; })
            if transport == "udp" and q.qtype == m.AXFR:
                rcode = m.FORMERR
            else:
                rcode = m.REFUSED if ours else m.NOTAUTH
            fields["rcode"] = m.RCODE_NAMES[rcode]
            fields["in_zone"] = "1" if ours else "0"
            self._event("axfr", src, fields)
            return self._reply(msg, reply_flags | rcode, [], [], [], transport, client=src_ip)
        answers: list[m.RR] = []
        authority: list[m.RR] = []
        additional: list[m.RR] = []
        aa = 0
        if q.qclass == m.CH:
            rcode, answers, authority = self._chaos(q)
            aa = 0x0400 if rcode == m.NOERROR else 0
        elif q.qclass in (m.IN, 255):
            rcode, answers, authority = self.zone.lookup(q.name, q.qtype)
            if rcode != m.REFUSED:
                aa = 0x0400
                if rcode == m.NOERROR and answers and not msg.rd and q.qtype != m.NS:
                    authority = self.zone.ns_records()
                    additional = [
                        rr
                        for ns in authority
                        for rr in self.zone.records.get(m.lower(ns.data), [])  # type: ignore[arg-type]
                        if rr.rtype in (m.A, m.AAAA)
                    ]
        else:
            rcode = m.REFUSED
        fields["rcode"] = m.RCODE_NAMES.get(rcode, str(rcode))
        fields["answers"] = str(len(answers))
        reply = self._reply(
            msg, reply_flags | aa | rcode, answers, authority, additional, transport, client=src_ip
        )
        self._event("query", src, fields)
        reasons = tunnel_reasons(q.name, self.cfg.long_label, self.cfg.long_name)
        if src_ip is not None:
            count = self.flood.note(src_ip, q.name, q.qtype)
            if count is not None:
                reasons.append("txt_flood")
                fields = {**fields, "distinct_names": str(count)}
        if reasons:
            self._event("tunnel", src, {**fields, "reasons": ",".join(reasons)})
        if transport == "udp":
            amp = amplification_reasons(msg, self.cfg.large_edns)
            if amp:
                self._event(
                    "amplification",
                    src,
                    {**fields, "reasons": ",".join(amp), "response_size": str(len(reply))},
                )
        return reply

    def _chaos(self, q: m.Question) -> tuple[int, list[m.RR], list[m.RR]]:
        key = m.name_text(m.lower(q.name))
        text = {
            "version.bind.": self.version,
            "hostname.bind.": self.persona.hostname.split(".", 1)[0].lower(),
        }.get(key)
        if not text or q.qtype not in (m.TXT, m.ANY):
            return m.REFUSED, [], []
        answer = m.RR(q.name, m.TXT, 0, (text,), rclass=m.CH)
        return m.NOERROR, [answer], [m.RR(q.name, m.NS, 0, q.name, rclass=m.CH)]

    def _cookie(self, edns: m.Edns, client: str) -> bytes:
        """The COOKIE option (RFC 7873) BIND 9.18 answers: client cookie, then a 16-octet server cookie."""
        for code, value in edns.options:
            if code == COOKIE and 8 <= len(value) <= 40:
                stamp = int(time.time()).to_bytes(4, "big")
                head = b"\x01\x00\x00\x00" + stamp  # version 1, reserved, timestamp (RFC 9018)
                mac = hmac.new(
                    self._cookie_secret, value[:8] + head + client.encode(), hashlib.sha256
                ).digest()
                return struct.pack("!HH", COOKIE, 24) + value[:8] + head + mac[:8]
        return b""

    def _reply(
        self,
        msg: m.Message,
        flags: int,
        answers: list[m.RR],
        authority: list[m.RR],
        additional: list[m.RR],
        transport: str,
        *,
        echo_question: bool = True,
        client: str | None = None,
    ) -> bytes:
        edns = msg.edns
        cookie = self._cookie(edns, client or "") if edns is not None else b""
        limit = 65535 if transport == "tcp" else (max(512, min(edns.udp_size, EDNS_SIZE)) if edns else 512)
        ext_rcode = 0
        if edns is not None and edns.version > 0:  # BADVERS (16): extended rcode 1, header rcode 0
            flags &= ~0xF
            ext_rcode = 1
            answers, authority, additional = [], [], []

        def build(full: bool) -> bytes:
            b = m.Builder()
            if echo_question:
                for q in msg.questions:
                    b.question(q)
            if full:
                for section, rrs in ((1, answers), (2, authority), (3, additional)):
                    for rr in rrs:
                        b.record(rr, section)
            if edns is not None:
                b.opt(EDNS_SIZE, ext_rcode=ext_rcode, options=cookie)
            return b.finish(msg.id, flags if full else flags | 0x0200)

        reply = build(True)
        return reply if len(reply) <= limit else build(False)
