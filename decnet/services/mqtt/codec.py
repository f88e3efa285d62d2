"""MQTT 3.1, 3.1.1 and 5.0 packets: bounded decoding of what a client sends, encoding of the answers."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = range(8, 16)
NAMES = {
    1: "connect",
    3: "publish",
    4: "puback",
    5: "pubrec",
    6: "pubrel",
    7: "pubcomp",
    8: "subscribe",
    10: "unsubscribe",
    12: "pingreq",
    14: "disconnect",
    15: "auth",
}
MAX_FILTERS = 64
MAX_PROPERTIES = 64


class MqttError(ValueError):
    """A packet breaks the protocol (the reason is safe to log)."""


def decode_varint(data: bytes, pos: int) -> tuple[int, int]:
    """A variable byte integer (at most 4 octets) and the position after it."""
    value = 0
    for i in range(4):
        if pos >= len(data):
            raise MqttError("truncated variable byte integer")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, pos
    raise MqttError("variable byte integer longer than 4 octets")


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


class Reader:
    """Reads fields from one packet's body; every read is checked against the end."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def left(self) -> int:
        return len(self.data) - self.pos

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise MqttError("field runs past the end of the packet")
        out = self.data[self.pos : self.pos + size]
        self.pos += size
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int(struct.unpack("!H", self.take(2))[0])

    def binary(self) -> bytes:
        return self.take(self.u16())

    def properties(self) -> bytes:
        """v5 properties, raw (bounded by the packet)."""
        size, self.pos = decode_varint(self.data, self.pos)
        return self.take(size)


@dataclass(slots=True)
class Connect:
    protocol: bytes
    level: int
    flags: int
    keepalive: int
    client_id: bytes
    will_topic: bytes | None = None
    will_payload: bytes | None = None
    username: bytes | None = None
    password: bytes | None = None

    @property
    def v5(self) -> bool:
        return self.level == 5


def parse_connect(body: bytes) -> Connect:
    """The CONNECT variable header and payload."""
    r = Reader(body)
    protocol = r.binary()
    level = r.u8()
    flags = r.u8()
    keepalive = r.u16()
    if level == 5:
        r.properties()
    client_id = r.binary()
    c = Connect(protocol, level, flags, keepalive, client_id)
    if flags & 0x04:
        if level == 5:
            r.properties()
        c.will_topic = r.binary()
        c.will_payload = r.binary()
    if flags & 0x80:
        c.username = r.binary()
    if flags & 0x40:
        c.password = r.binary()
    return c


@dataclass(slots=True)
class Publish:
    topic: bytes
    qos: int
    retain: bool
    dup: bool
    packet_id: int
    payload: bytes


def parse_publish(flags: int, body: bytes, v5: bool) -> Publish:
    qos = (flags >> 1) & 3
    if qos == 3:
        raise MqttError("PUBLISH with QoS 3")
    r = Reader(body)
    topic = r.binary()
    packet_id = r.u16() if qos else 0
    if v5:
        r.properties()
    return Publish(topic, qos, bool(flags & 1), bool(flags & 8), packet_id, r.take(r.left()))


@dataclass(slots=True)
class Subscribe:
    packet_id: int
    filters: list[tuple[bytes, int]] = field(default_factory=list)  #: (filter, options)


def parse_subscribe(body: bytes, v5: bool, unsubscribe: bool = False) -> Subscribe:
    r = Reader(body)
    sub = Subscribe(r.u16())
    if v5:
        r.properties()
    while r.left():
        if len(sub.filters) >= MAX_FILTERS:
            raise MqttError("too many topic filters")
        topic = r.binary()
        sub.filters.append((topic, 0 if unsubscribe else r.u8()))
    if not sub.filters:
        raise MqttError("no topic filter")
    return sub


def packet(kind: int, body: bytes, flags: int = 0) -> bytes:
    return bytes([(kind << 4) | flags]) + encode_varint(len(body)) + body


def string(value: bytes | str) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(raw)) + raw


def connack(code: int, v5: bool, session_present: bool = False, properties: bytes = b"") -> bytes:
    body = bytes([1 if session_present else 0, code])
    if v5:
        body += encode_varint(len(properties)) + properties
    return packet(CONNACK, body)


def publish(topic: bytes, payload: bytes, v5: bool, retain: bool = True) -> bytes:
    """A QoS 0 PUBLISH to a subscriber."""
    body = string(topic) + (b"\0" if v5 else b"") + payload
    return packet(PUBLISH, body, 1 if retain else 0)


def topic_matches(pattern: bytes, topic: bytes) -> bool:
    """MQTT filter matching (``+``, ``#``); ``$`` topics are not matched by a leading wildcard."""
    if topic.startswith(b"$") and pattern[:1] in (b"+", b"#"):
        return False
    want = pattern.split(b"/")
    have = topic.split(b"/")
    for i, part in enumerate(want):
        if part == b"#":
            return True
        if i >= len(have) or (part != b"+" and part != have[i]):
            return False
    return len(want) == len(have)
