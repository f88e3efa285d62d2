"""The mqtt service: a Mosquitto broker that takes logins, publishes and subscriptions, and logs them."""

from __future__ import annotations

import secrets
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from typing import ClassVar

from decnet.fleet.rand import derive_int
from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.dns.transport import TcpConn, TcpListeners, read_exact
from decnet.services.mqtt import codec as c
from decnet.services.mqtt.config import MQTTConfig
from decnet.services.text import clip

#: Mosquitto when the persona names none.
FALLBACK_VERSION = "2.0.18"
MAX_LOG_PAYLOAD = 1024
MAX_LOG_TOPIC = 512
#: Retained messages kept per source (an attacker sees its own retained messages, no one else does).
MAX_RETAINED_PER_SOURCE = 32
MAX_RETAINED_PAYLOAD = 4096
MAX_RETAINED_SOURCES = 256

# CONNACK codes (3.1.1 / 5.0)
ACCEPTED, BAD_VERSION, ID_REJECTED, NOT_AUTHORIZED = 0, 1, 2, 5
V5_UNSUPPORTED_VERSION, V5_NOT_AUTHORIZED, V5_ID_INVALID = 0x84, 0x87, 0x85


class MQTTService(Service):
    """MQTT 3.1/3.1.1/5.0 with plaintext credential capture and bait retained topics."""

    slug = "mqtt"
    default_ports = (1883,)
    config_model: ClassVar[type[ServiceConfig]] = MQTTConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, MQTTConfig):
            self.config = MQTTConfig.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, MQTTConfig)
        self.cfg: MQTTConfig = self.config
        self.version = self.persona.version_of("mosquitto", FALLBACK_VERSION)
        self.users = dict(item.split(":", 1) for item in self.cfg.users)
        self.started = datetime.now(UTC)
        self.retained: OrderedDict[str, dict[bytes, bytes]] = OrderedDict()
        self.tcp = TcpListeners(
            self, self._client, max_connections=self.cfg.max_connections, on_error=self._bug
        )
        self.bound_ports: list[int] = []

    async def start(self) -> None:
        try:
            for port in self.ports:
                self.bound_ports.append(await self.tcp.open(self.ctx.bind_host, port))
        except OSError:
            await self.stop()
            raise
        self.log.info(
            "mqtt listening on %s ports %s as mosquitto %s",
            self.ctx.bind_host,
            self.bound_ports,
            self.version,
        )

    async def stop(self) -> None:
        await self.tcp.close()
        self.bound_ports.clear()

    def _bug(self, exc: BaseException) -> None:
        self.log.error("mqtt connection failed: %r", exc, exc_info=exc)

    # -- bait -----------------------------------------------------------------------------

    def bait(self) -> dict[bytes, bytes]:
        """The broker's retained messages: $SYS and the configured topics (values move with time)."""
        uptime = int((datetime.now(UTC) - self.persona.booted_at).total_seconds())
        seed = self.persona.seed
        clients = 3 + derive_int(seed, "mqtt:clients", 9)
        topics: dict[bytes, bytes] = {
            b"$SYS/broker/version": f"mosquitto version {self.version}".encode(),
            b"$SYS/broker/uptime": f"{uptime} seconds".encode(),
            b"$SYS/broker/clients/connected": str(clients).encode(),
            b"$SYS/broker/clients/total": str(clients + derive_int(seed, "mqtt:idle", 4)).encode(),
            b"$SYS/broker/subscriptions/count": str(clients * 3).encode(),
            b"$SYS/broker/messages/received": str(uptime // 7 + derive_int(seed, "mqtt:rx", 1000)).encode(),
            b"$SYS/broker/messages/sent": str(uptime // 5 + derive_int(seed, "mqtt:tx", 1000)).encode(),
        }
        for item in self.cfg.topics:
            topic, _, value = item.partition("=")
            topics[topic.strip().encode()] = value.strip().encode()
        return topics

    # -- connections ---------------------------------------------------------------------

    async def _read_packet(self, conn: TcpConn, timeout: float) -> tuple[int, int, bytes] | None:
        head = await read_exact(conn, 1, timeout)
        if head is None:
            return None
        length = 0
        for i in range(4):
            byte = await read_exact(conn, 1, timeout)
            if byte is None:
                return None
            length |= (byte[0] & 0x7F) << (7 * i)
            if not byte[0] & 0x80:
                break
        else:
            conn.close_reason = "error"
            conn.extra["error"] = "bad remaining length"
            return None
        if length > self.cfg.max_packet:
            conn.close_reason = "error"
            conn.extra["error"] = f"packet of {length} bytes over max_packet"
            return None
        body = await read_exact(conn, length, timeout) if length else b""
        if body is None:
            return None
        return head[0] >> 4, head[0] & 0x0F, body

    async def _client(self, conn: TcpConn) -> None:
        first = await self._read_packet(conn, self.cfg.connect_timeout)
        if first is None:
            return
        kind, _, body = first
        conn.actions += 1
        if kind != c.CONNECT:
            conn.close_reason = "error"
            conn.extra["error"] = f"first packet type {kind}"
            return
        try:
            connect = c.parse_connect(body)
        except c.MqttError as err:
            conn.close_reason = "error"
            conn.extra["error"] = str(err)
            return
        accepted, client_id = await self._connect(conn, connect)
        if not accepted:
            conn.close_reason = "refused"
            return
        keepalive = connect.keepalive * 1.5 if connect.keepalive else self.cfg.idle_timeout
        timeout = min(keepalive, self.cfg.idle_timeout)
        v5 = connect.v5
        while conn.actions < self.cfg.max_packets_per_connection:
            pkt = await self._read_packet(conn, timeout)
            if pkt is None:
                return
            kind, flags, body = pkt
            if kind != c.PINGREQ:
                conn.actions += 1
            try:
                if not await self._packet(conn, kind, flags, body, v5, client_id):
                    return
            except c.MqttError as err:
                conn.close_reason = "error"
                conn.extra["error"] = str(err)
                conn.emit(self, "malformed", {"reason": str(err), "packet": str(kind)})
                return
        conn.close_reason = "limit"

    async def _connect(self, conn: TcpConn, connect: c.Connect) -> tuple[bool, bytes]:
        v5 = connect.v5
        version = {3: "3.1", 4: "3.1.1", 5: "5.0"}.get(connect.level, str(connect.level))
        fields = {
            "protocol": clip(connect.protocol, 16),
            "version": version,
            "client_id": clip(connect.client_id, 256),
            "keepalive": str(connect.keepalive),
            "clean_start": "1" if connect.flags & 0x02 else "0",
        }
        if connect.will_topic is not None:
            fields["will_topic"] = clip(connect.will_topic, MAX_LOG_TOPIC)
            fields["will_payload"] = clip(connect.will_payload or b"", MAX_LOG_PAYLOAD)
        valid_protocol = (connect.protocol, connect.level) in ((b"MQIsdp", 3), (b"MQTT", 4), (b"MQTT", 5))
        client_id = connect.client_id
        if not valid_protocol:
            code = BAD_VERSION
        elif not client_id and not (connect.flags & 0x02) and not v5:
            code = ID_REJECTED
        else:
            code = self._authorise(connect)
        if code == ACCEPTED and not client_id:
            client_id = (
                f"auto-{uuid.UUID(bytes=secrets.token_bytes(16))}".upper().replace("AUTO", "auto").encode()
            )
        fields["result"] = {ACCEPTED: "accepted", BAD_VERSION: "bad_version", ID_REJECTED: "id_rejected"}.get(
            code, "not_authorized"
        )
        conn.emit(self, "connect_packet", fields)
        if connect.username is not None or connect.password is not None:
            cred = credential_fields(
                connect.username or b"",
                connect.password or b"",
                ok=code == ACCEPTED,
                method="connect",
                client_id=clip(connect.client_id, 256),
            )
            conn.emit(self, "auth", cred)
        if v5:
            v5_code = {ACCEPTED: 0, BAD_VERSION: V5_UNSUPPORTED_VERSION, ID_REJECTED: V5_ID_INVALID}.get(
                code, V5_NOT_AUTHORIZED
            )
            props = b"\x22\x00\x0a"  # topic alias maximum 10, as mosquitto announces
            if code == ACCEPTED and not connect.client_id:
                props += b"\x12" + c.string(client_id)
            reply = c.connack(v5_code, True, properties=props if code == ACCEPTED else b"")
        else:
            reply = c.connack(code if valid_protocol or connect.level in (3, 4) else BAD_VERSION, False)
        await conn.send(reply)
        return code == ACCEPTED, client_id

    def _authorise(self, connect: c.Connect) -> int:
        if connect.username is None:
            return ACCEPTED if self.cfg.allow_anonymous else NOT_AUTHORIZED
        if not self.users:
            return ACCEPTED if self.cfg.allow_anonymous else NOT_AUTHORIZED
        user = connect.username.decode("utf-8", "replace")
        password = (connect.password or b"").decode("utf-8", "replace")
        return ACCEPTED if self.users.get(user) == password else NOT_AUTHORIZED

    async def _packet(
        self, conn: TcpConn, kind: int, flags: int, body: bytes, v5: bool, client_id: bytes
    ) -> bool:
        if kind == c.PINGREQ:
            return await conn.send(c.packet(c.PINGRESP, b""))
        if kind == c.DISCONNECT:
            conn.close_reason = "disconnect"
            conn.emit(self, "disconnect_packet", {"client_id": clip(client_id, 256)})
            return False
        if kind == c.PUBLISH:
            return await self._publish(conn, c.parse_publish(flags, body, v5), v5)
        if kind == c.PUBREL:
            packet_id = c.Reader(body).u16()
            return await conn.send(c.packet(c.PUBCOMP, packet_id.to_bytes(2, "big")))
        if kind in (c.PUBACK, c.PUBREC, c.PUBCOMP):
            return True
        if kind == c.SUBSCRIBE:
            return await self._subscribe(conn, c.parse_subscribe(body, v5), v5)
        if kind == c.UNSUBSCRIBE:
            sub = c.parse_subscribe(body, v5, unsubscribe=True)
            conn.emit(
                self, "unsubscribe", {"topics": clip(b",".join(t for t, _ in sub.filters), MAX_LOG_TOPIC)}
            )
            extra = b"\0" + b"\0" * len(sub.filters) if v5 else b""
            return await conn.send(c.packet(c.UNSUBACK, sub.packet_id.to_bytes(2, "big") + extra))
        conn.close_reason = "error"
        conn.extra["error"] = f"unexpected packet type {kind}"
        return False

    async def _publish(self, conn: TcpConn, pub: c.Publish, v5: bool) -> bool:
        conn.emit(
            self,
            "publish",
            {
                "topic": clip(pub.topic, MAX_LOG_TOPIC),
                "qos": str(pub.qos),
                "retain": "1" if pub.retain else "0",
                "payload": clip(pub.payload, MAX_LOG_PAYLOAD),
                "payload_bytes": str(len(pub.payload)),
            },
        )
        if pub.retain and conn.src_ip is not None and len(pub.payload) <= MAX_RETAINED_PAYLOAD:
            own = self.retained.setdefault(conn.src_ip, {})
            self.retained.move_to_end(conn.src_ip)
            if len(self.retained) > MAX_RETAINED_SOURCES:
                self.retained.popitem(last=False)
            if not pub.payload:
                own.pop(pub.topic, None)
            elif pub.topic in own or len(own) < MAX_RETAINED_PER_SOURCE:
                own[pub.topic] = pub.payload
        ident = pub.packet_id.to_bytes(2, "big")
        if pub.qos == 1:
            return await conn.send(c.packet(c.PUBACK, ident))
        if pub.qos == 2:
            return await conn.send(c.packet(c.PUBREC, ident))
        return True

    async def _subscribe(self, conn: TcpConn, sub: c.Subscribe, v5: bool) -> bool:
        conn.emit(
            self,
            "subscribe",
            {
                "topics": clip(b",".join(t for t, _ in sub.filters), MAX_LOG_TOPIC),
                "count": str(len(sub.filters)),
            },
        )
        granted = bytes(min(options & 3, 2) for _, options in sub.filters)
        body = sub.packet_id.to_bytes(2, "big") + (b"\0" if v5 else b"") + granted
        if not await conn.send(c.packet(c.SUBACK, body)):
            return False
        retained = dict(self.bait())
        if conn.src_ip is not None:
            retained.update(self.retained.get(conn.src_ip, {}))
        sent = 0
        for topic, payload in retained.items():
            if any(c.topic_matches(f, topic) for f, _ in sub.filters):
                if not await conn.send(c.publish(topic, payload, v5)):
                    return False
                sent += 1
                if sent >= 256:
                    break
        return True
