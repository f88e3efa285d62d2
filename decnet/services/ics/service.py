"""The ics service: Modbus/TCP and S7comm on one PLC identity; every read, write and control logged."""

from __future__ import annotations

import struct
from typing import ClassVar

from decnet.fleet.rand import derive_int
from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.dns.transport import TcpConn, TcpListeners, read_exact
from decnet.services.ics import s7
from decnet.services.ics.config import ICSConfig
from decnet.services.ics.device import Device, device_for
from decnet.services.ics.modbus import ILLEGAL_FUNCTION, Plc, exception
from decnet.services.text import clip

MAX_ITEMS = 20
AREAS = {0x81: "I", 0x82: "Q", 0x83: "M", 0x84: "DB", 0x1C: "C", 0x1D: "T"}


class ICSService(Service):
    """A PLC: Modbus/TCP on the first port, S7comm over ISO-on-TCP on the second."""

    slug = "ics"
    default_ports = (502, 102)
    config_model: ClassVar[type[ServiceConfig]] = ICSConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, ICSConfig):
            self.config = ICSConfig.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, ICSConfig)
        self.cfg: ICSConfig = self.config
        self.device: Device = device_for(self.persona, self.cfg.device, self.cfg.plant)
        self.plc = Plc(self.device, self.persona.seed, self.cfg.registers)
        #: S7comm only from a Siemens CPU (the persona's, or the one ``device`` names).
        self.speaks_s7 = self.device.vendor.startswith("Siemens")
        self.tcp = TcpListeners(
            self, self._modbus, max_connections=self.cfg.max_connections, on_error=self._bug
        )
        self.bound_ports: list[int] = []
        self._next_ref = 1 + derive_int(self.persona.seed, "ics:cotp", 0x7FFF)

    async def start(self) -> None:
        try:
            for i, port in enumerate(self.ports[:2]):
                if i == 1 and not self.speaks_s7:
                    continue  # a Modicon does not listen on ISO-TSAP: the port stays closed
                handler = self._modbus if i == 0 else self._s7
                self.bound_ports.append(await self.tcp.open(self.ctx.bind_host, port, handler))
        except OSError:
            await self.stop()
            raise
        self.log.info(
            "ics listening on %s ports %s as %s", self.ctx.bind_host, self.bound_ports, self.device.model
        )

    async def stop(self) -> None:
        await self.tcp.close()
        self.bound_ports.clear()

    def _bug(self, exc: BaseException) -> None:
        self.log.error("ics connection failed: %r", exc, exc_info=exc)

    # -- Modbus/TCP ------------------------------------------------------------------------

    async def _modbus(self, conn: TcpConn) -> None:
        conn.extra["protocol"] = "modbus"
        while conn.actions < self.cfg.max_requests_per_connection:
            head = await read_exact(conn, 7, self.cfg.idle_timeout)
            if head is None:
                return
            tid, pid, length, unit = struct.unpack("!HHHB", head)
            if pid != 0 or not 2 <= length <= 254:
                # Not Modbus framing (an HTTP probe, a scanner): answer "illegal function" and close,
                # as many Modbus/TCP stacks do, echoing what was read.
                fc = await read_exact(conn, 1, 1.0)
                conn.emit(
                    self,
                    "malformed",
                    {"protocol": "modbus", "reason": "bad MBAP header", "head": clip(head + (fc or b""), 64)},
                )
                if fc is not None:
                    reply = exception(fc[0], ILLEGAL_FUNCTION)
                    await conn.send(struct.pack("!HHHB", tid, pid, len(reply) + 1, unit) + reply)
                conn.close_reason = "error"
                return
            pdu = await read_exact(conn, length - 1, self.cfg.idle_timeout)
            if pdu is None:
                return
            conn.actions += 1
            reply, outcome = self.plc.handle(pdu)
            fields = {
                "protocol": "modbus",
                "unit": str(unit),
                "function": outcome.function,
                "fc": str(pdu[0]),
            }
            fields.update(outcome.fields)
            if outcome.exception:
                fields["exception"] = str(outcome.exception)
            conn.emit(self, "write" if outcome.write else "request", fields)
            if not await conn.send(struct.pack("!HHHB", tid, 0, len(reply) + 1, unit) + reply):
                return
        conn.close_reason = "limit"

    # -- S7comm ----------------------------------------------------------------------------

    async def _s7(self, conn: TcpConn) -> None:
        conn.extra["protocol"] = "s7comm"
        connected = False
        while conn.actions < self.cfg.max_requests_per_connection:
            head = await read_exact(conn, 4, self.cfg.idle_timeout)
            if head is None:
                return
            version, _, length = struct.unpack("!BBH", head)
            if version != 3 or not 7 <= length <= s7.TPKT_MAX:
                conn.emit(
                    self, "malformed", {"protocol": "s7comm", "reason": "bad TPKT header", "head": head.hex()}
                )
                conn.close_reason = "error"
                return
            body = await read_exact(conn, length - 4, self.cfg.idle_timeout)
            if body is None:
                return
            conn.actions += 1
            reply: bytes | None
            try:
                if body[0] + 1 > len(body) or body[0] < 2:
                    raise s7.S7Error("bad COTP length")
                kind = body[1] & 0xF0
                if kind == s7.COTP_CR:
                    params = s7.parse_cr(body)
                    conn.emit(self, "cotp_connect", {"protocol": "s7comm", **params})
                    self._next_ref = self._next_ref % 0xFFFF + 1
                    reply = s7.cc(body, self._next_ref)
                    connected = True
                elif kind == s7.COTP_DT and connected:
                    reply = self._s7_pdu(conn, body[body[0] + 1 :])
                elif kind == s7.COTP_DR:
                    conn.close_reason = "disconnect"
                    return
                else:
                    raise s7.S7Error(f"unexpected COTP TPDU 0x{kind:02x}")
            except (s7.S7Error, struct.error, IndexError) as err:
                conn.emit(
                    self, "malformed", {"protocol": "s7comm", "reason": str(err), "head": body[:32].hex()}
                )
                conn.close_reason = "error"
                return
            if reply is not None and not await conn.send(reply):
                return
        conn.close_reason = "limit"

    def _s7_pdu(self, conn: TcpConn, payload: bytes) -> bytes | None:
        pdu = s7.parse_s7(payload)
        base = {"protocol": "s7comm"}
        if pdu.rosctr == s7.JOB and pdu.params:
            fn = pdu.params[0]
            name = s7.FUNCTIONS.get(fn, f"0x{fn:02x}")
            if fn == 0xF0:
                reply = s7.setup_reply(pdu.pdu_ref, pdu.params)
                size = struct.unpack_from("!H", pdu.params, 6)[0] if len(pdu.params) >= 8 else 0
                conn.emit(self, "setup", {**base, "pdu_size": str(size)})
                return s7.dt(reply)
            if fn in (0x04, 0x05):
                count = min(pdu.params[1] if len(pdu.params) > 1 else 0, MAX_ITEMS)
                items = _items(pdu.params[2:], count)
                fields = {**base, "function": name, "items": items}
                if fn == 0x05:
                    fields["data"] = pdu.data[:256].hex()
                conn.emit(self, "write" if fn == 0x05 else "request", fields)
                codes = b"\x0a" if fn == 0x05 else b"\x0a\x00\x00\x00"
                data = b"".join(
                    codes if fn == 0x05 or i == count - 1 else codes + b"\x00" for i in range(count)
                )
                return s7.dt(s7.ack_data(pdu.pdu_ref, bytes([fn, count]), data))
            conn.emit(
                self,
                "control" if fn in s7.CONTROL else "request",
                {**base, "function": name, "params": pdu.params[:128].hex()},
            )
            if fn in (0x28, 0x29):
                return s7.dt(s7.ack_data(pdu.pdu_ref, bytes([fn])))
            return s7.dt(s7.ack_data(pdu.pdu_ref, b"", error=0x8104))
        if pdu.rosctr == s7.USERDATA and len(pdu.params) >= 8:
            group, sub, seq = pdu.params[5] & 0x0F, pdu.params[6], pdu.params[7]
            if group == 4 and sub == 1:
                reply, szl_id, index = s7.szl_reply(self.device, pdu.pdu_ref, seq, pdu.data)
                conn.emit(self, "szl", {**base, "szl_id": f"0x{szl_id:04x}", "index": f"0x{index:04x}"})
                return s7.dt(reply)
            conn.emit(self, "request", {**base, "function": f"userdata_{group}_{sub}"})
            params = b"\x00\x01\x12\x08\x12" + bytes([0x80 | group, sub, seq]) + b"\x00\x00\x81\x04"
            return s7.dt(s7.userdata(pdu.pdu_ref, params, b"\x0a\x00\x00\x00"))
        return None


def _items(params: bytes, count: int) -> str:
    """Read/write-var items as ``AREA[db].byte.bit:len`` text."""
    out = []
    pos = 0
    for _ in range(count):
        item = params[pos : pos + 12]
        if len(item) < 12 or item[0] != 0x12:
            break
        _, length, db, area = struct.unpack_from("!BHHB", item, 3)
        address = int.from_bytes(item[9:12], "big")
        where = AREAS.get(area, f"0x{area:02x}") + (str(db) if area == 0x84 else "")
        out.append(f"{where}.{address >> 3}.{address & 7}:{length}")
        pos += 12
    return ",".join(out)
