"""The snmp service: answers like net-snmp's snmpd with read-only communities."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import ClassVar

from decnet.fleet.rand import derive_bytes, derive_int
from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.dns.transport import SourceLimiter, UdpListener
from decnet.services.snmp import ber
from decnet.services.snmp import message as sm
from decnet.services.snmp.config import SNMPConfig
from decnet.services.snmp.mib import Mib
from decnet.services.text import clip

#: net-snmp's enterprise number in an engine ID (RFC 3411 format, 0x80 = net-snmp's random kind).
NET_SNMP_ENGINE = b"\x80\x00\x1f\x88\x80"
USM_UNKNOWN_ENGINE_IDS = (1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0)
USM_UNKNOWN_USER_NAMES = (1, 3, 6, 1, 6, 3, 15, 1, 1, 3, 0)
#: Largest response sent (net-snmp's default for UDP).
MAX_RESPONSE = 1472
MAX_LOG_OIDS = 16
#: A GetBulk answered with this many times its size is logged as an amplification attempt.
AMPLIFICATION_FACTOR = 10
AUTH_MEMORY = 4096
AUTH_REPEAT_S = 300.0

DEFAULTS = {  # (sysContact, sysLocation) of the distro's stock snmpd.conf
    "debian": ("Me <me@example.org>", "Sitting on the Dock of the Bay"),
    "rhel": (
        "Root <root@localhost> (configure /etc/snmp/snmp.local.conf)",
        "Unknown (edit /etc/snmp/snmpd.conf)",
    ),
    "other": ("", ""),
}
ERROR_NAMES = {0: "noError", 1: "tooBig", 2: "noSuchName", 4: "readOnly", 5: "genErr", 6: "noAccess"}


def _family(distro: str, os_family: str) -> str:
    if os_family != "linux":
        return "other"
    return "rhel" if distro in {"rocky9", "centos7", "fedora"} else "debian"


class SNMPService(Service):
    """SNMP v1/v2c on a small MIB-II tree; v3 answered with USM discovery reports."""

    slug = "snmp"
    default_ports = (161,)
    config_model: ClassVar[type[ServiceConfig]] = SNMPConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, SNMPConfig):
            self.config = SNMPConfig.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, SNMPConfig)
        self.cfg: SNMPConfig = self.config
        contact, location = DEFAULTS[_family(self.persona.distro, self.persona.os_family)]
        self.engine_id = NET_SNMP_ENGINE + derive_bytes(self.persona.seed, "snmp:engine")[:8]
        self.engine_boots = 1 + derive_int(self.persona.seed, "snmp:boots", 40)
        self.mib = Mib(
            self.persona,
            contact=self.cfg.contact if self.cfg.contact is not None else contact,
            location=self.cfg.location if self.cfg.location is not None else location,
            engine_id=self.engine_id,
            engine_boots=self.engine_boots,
        )
        self.communities = {c.encode() for c in self.cfg.community}
        self.unknown_engine_ids = 0
        self.unknown_users = 0
        self._seen: OrderedDict[tuple[str, bytes], float] = OrderedDict()
        self.udp: list[UdpListener] = []
        self.bound_ports: list[int] = []

    async def start(self) -> None:
        try:
            for port in self.ports:
                udp = UdpListener(
                    self, self._datagram, SourceLimiter(self.cfg.rate, self.cfg.burst), self._bug
                )
                self.udp.append(udp)
                self.bound_ports.append(await udp.open(self.ctx.bind_host, port))
        except OSError:
            await self.stop()
            raise
        self.log.info("snmp listening on %s udp %s", self.ctx.bind_host, self.bound_ports)

    async def stop(self) -> None:
        for udp in self.udp:
            udp.close()
        self.udp.clear()
        self.bound_ports.clear()

    def _bug(self, exc: BaseException) -> None:
        self.log.error("snmp handler failed: %r", exc, exc_info=exc)

    def _datagram(
        self, data: bytes, src_ip: str, src_port: int, transport: asyncio.DatagramTransport, port: int
    ) -> None:
        reply = self.handle(data, src_ip, src_port)
        if reply is not None:
            transport.sendto(reply, (src_ip, src_port))

    # -- the agent ----------------------------------------------------------------------

    def handle(self, data: bytes, src_ip: str, src_port: int) -> bytes | None:
        """The reply to one datagram (None: silence), emitting its events."""
        try:
            msg = sm.parse(data)
        except ber.BerError as err:
            self.emit(
                "malformed",
                src_ip=src_ip,
                src_port=src_port,
                fields={"reason": str(err), "size": str(len(data)), "head": data[:32].hex()},
            )
            return None
        if msg.version == sm.V3:
            return self._v3(msg, src_ip, src_port)
        return self._community(msg, src_ip, src_port, len(data))

    def _v3(self, msg: sm.Message, src_ip: str, src_port: int) -> bytes | None:
        known_engine = msg.engine_id == self.engine_id
        fields = {
            "version": "v3",
            "msg_id": str(msg.msg_id),
            "user": clip(msg.user, 64),
            "engine_id": msg.engine_id.hex(),
            "security_model": str(msg.security_model),
            "pdu": sm.PDU_NAMES.get(msg.pdu.tag, "?") if msg.pdu else ("encrypted" if msg.encrypted else "-"),
        }
        reply = None
        if msg.flags & 0x04 and msg.security_model == 3:
            rid = msg.pdu.request_id if msg.pdu is not None else 0
            uptime = int((datetime.now(UTC) - self.persona.booted_at).total_seconds())
            if known_engine:
                self.unknown_users += 1
                oid, count, result = USM_UNKNOWN_USER_NAMES, self.unknown_users, "unknown_user"
            else:
                self.unknown_engine_ids += 1
                oid, count, result = USM_UNKNOWN_ENGINE_IDS, self.unknown_engine_ids, "unknown_engine_id"
            reply = sm.report(msg, self.engine_id, self.engine_boots, uptime, oid, count, rid)
            fields["report"] = result
        fields["answered"] = "1" if reply else "0"
        self.emit("request", src_ip=src_ip, src_port=src_port, fields=fields)
        if msg.user:
            self.emit(
                "auth",
                src_ip=src_ip,
                src_port=src_port,
                fields=credential_fields(msg.user, b"", "usm", ok=False, method="v3"),
            )
        return reply

    def _note_community(self, src_ip: str, src_port: int, community: bytes, ok: bool, version: str) -> None:
        key = (src_ip, community[:64])
        now = time.monotonic()
        last = self._seen.get(key)
        if last is not None and now - last < AUTH_REPEAT_S:
            return
        self._seen[key] = now
        self._seen.move_to_end(key)
        if len(self._seen) > AUTH_MEMORY:
            self._seen.popitem(last=False)
        fields = credential_fields(b"", community, "community", ok=ok, method=version)
        self.emit("auth", src_ip=src_ip, src_port=src_port, fields=fields)

    def _community(self, msg: sm.Message, src_ip: str, src_port: int, size: int) -> bytes | None:
        pdu = msg.pdu
        assert pdu is not None
        version = sm.VERSION_NAMES[msg.version]
        ok = msg.community in self.communities
        fields = {
            "version": version,
            "community": clip(msg.community, 64),
            "pdu": sm.PDU_NAMES[pdu.tag],
            "request_id": str(pdu.request_id),
            "oids": clip(",".join(ber.oid_text(o) for o, _ in pdu.varbinds[:MAX_LOG_OIDS]), 1024),
        }
        if pdu.tag == sm.SET:
            fields["values"] = clip(b",".join(v.hex().encode() for _, v in pdu.varbinds[:MAX_LOG_OIDS]), 1024)
        self._note_community(src_ip, src_port, msg.community, ok, version)
        reply: bytes | None = None
        if (ok and pdu.tag in (sm.GET, sm.GETNEXT, sm.SET)) or (
            ok and pdu.tag == sm.GETBULK and msg.version == sm.V2C
        ):
            reply, status = self._answer(msg, pdu)
            fields["error"] = ERROR_NAMES.get(status, str(status))
        fields["answered"] = "1" if reply else "0"
        self.emit(
            "trap" if pdu.tag in (sm.TRAP, sm.TRAPV2, sm.INFORM) else "request",
            src_ip=src_ip,
            src_port=src_port,
            fields=fields,
        )
        if reply is not None and pdu.tag == sm.GETBULK and len(reply) >= AMPLIFICATION_FACTOR * size:
            # GetBulk from a spoofable source: the classic SNMP reflection pattern
            amp = {**fields, "request_size": str(size), "response_size": str(len(reply))}
            amp["max_repetitions"] = str(pdu.error_index)
            self.emit("amplification", src_ip=src_ip, src_port=src_port, fields=amp)
        return reply

    def _answer(self, msg: sm.Message, pdu: sm.Pdu) -> tuple[bytes, int]:
        v1 = msg.version == sm.V1

        def reply(binds: list[bytes], status: int = 0, index: int = 0) -> bytes:
            return sm.response(msg.version, msg.community, pdu.request_id, binds, status, index)

        def echo() -> list[bytes]:
            return [sm.varbind(oid, value) for oid, value in pdu.varbinds]

        if pdu.tag == sm.SET:
            status = sm.NO_SUCH_NAME if v1 else sm.NO_ACCESS
            return reply(echo(), status, 1 if pdu.varbinds else 0), status
        binds: list[bytes] = []
        if pdu.tag == sm.GETBULK:
            binds = self._bulk(pdu)
        else:
            for i, (oid, _) in enumerate(pdu.varbinds):
                if pdu.tag == sm.GET:
                    value = self.mib.get(oid)
                    if value is None:
                        if v1:
                            return reply(echo(), sm.NO_SUCH_NAME, i + 1), sm.NO_SUCH_NAME
                        value = bytes(
                            [ber.NO_SUCH_INSTANCE if self.mib.is_object(oid) else ber.NO_SUCH_OBJECT, 0]
                        )
                    binds.append(sm.varbind(oid, value))
                else:
                    found = self.mib.next(oid)
                    if found is None:
                        if v1:
                            return reply(echo(), sm.NO_SUCH_NAME, i + 1), sm.NO_SUCH_NAME
                        binds.append(sm.varbind(oid, bytes([ber.END_OF_MIB_VIEW, 0])))
                    else:
                        binds.append(sm.varbind(*found))
        out = reply(binds)
        if len(out) > MAX_RESPONSE:
            return reply(echo() if v1 else [], sm.TOO_BIG, 0), sm.TOO_BIG
        return out, 0

    def _bulk(self, pdu: sm.Pdu) -> list[bytes]:
        non_rep = max(0, min(pdu.error_status, len(pdu.varbinds)))
        reps = max(0, min(pdu.error_index, self.cfg.max_repetitions))
        binds: list[bytes] = []
        size = 0

        def add(oid: ber.Oid) -> ber.Oid | None:
            nonlocal size
            found = self.mib.next(oid)
            bind = sm.varbind(*found) if found else sm.varbind(oid, bytes([ber.END_OF_MIB_VIEW, 0]))
            if size + len(bind) > MAX_RESPONSE - 64:
                raise OverflowError
            binds.append(bind)
            size += len(bind)
            return found[0] if found else None

        try:
            for oid, _ in pdu.varbinds[:non_rep]:
                add(oid)
            cursors: list[ber.Oid | None] = [oid for oid, _ in pdu.varbinds[non_rep:]]
            for _ in range(reps):
                if not cursors or all(c is None for c in cursors):
                    break
                for j, cursor in enumerate(cursors):
                    if cursor is not None:
                        cursors[j] = add(cursor)
        except OverflowError:
            pass  # net-snmp sends as many repetitions as fit
        return binds
