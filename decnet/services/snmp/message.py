"""SNMP messages: v1/v2c (RFC 1157, 3416) and the v3 USM header (RFC 3412/3414), decoded strictly."""

from __future__ import annotations

from dataclasses import dataclass, field

from decnet.services.snmp import ber
from decnet.services.snmp.ber import BerError, Oid

GET, GETNEXT, RESPONSE, SET, TRAP, GETBULK, INFORM, TRAPV2, REPORT = range(0xA0, 0xA9)
PDU_NAMES = {
    GET: "get",
    GETNEXT: "getnext",
    RESPONSE: "response",
    SET: "set",
    TRAP: "trap",
    GETBULK: "getbulk",
    INFORM: "inform",
    TRAPV2: "trapv2",
    REPORT: "report",
}
V1, V2C, V3 = 0, 1, 3
VERSION_NAMES = {V1: "v1", V2C: "v2c", V3: "v3"}
MAX_VARBINDS = 64

# error-status values
NO_ERROR, TOO_BIG, NO_SUCH_NAME, BAD_VALUE, READ_ONLY, GEN_ERR, NO_ACCESS = 0, 1, 2, 3, 4, 5, 6


@dataclass(slots=True)
class Pdu:
    tag: int
    request_id: int
    error_status: int  #: non-repeaters in a GetBulk
    error_index: int  #: max-repetitions in a GetBulk
    varbinds: list[tuple[Oid, bytes]] = field(default_factory=list)  #: (oid, encoded value)


@dataclass(slots=True)
class Message:
    version: int
    community: bytes = b""
    pdu: Pdu | None = None
    # v3 only
    msg_id: int = 0
    max_size: int = 0
    flags: int = 0
    security_model: int = 0
    engine_id: bytes = b""
    engine_boots: int = 0
    engine_time: int = 0
    user: bytes = b""
    encrypted: bool = False


def _pdu(data: bytes, tlv: ber.Tlv) -> Pdu:
    if tlv.tag not in PDU_NAMES:
        raise BerError(f"unknown PDU tag 0x{tlv.tag:02x}")
    if tlv.tag == TRAP:  # v1 trap: a different shape, kept opaque
        return Pdu(TRAP, 0, 0, 0)
    parts = ber.children(data, tlv, 4)
    if len(parts) != 4:
        raise BerError("PDU needs four fields")
    rid = ber.decode_int(ber.expect(data, parts[0], ber.INTEGER).content(data))
    status = ber.decode_int(ber.expect(data, parts[1], ber.INTEGER).content(data))
    index = ber.decode_int(ber.expect(data, parts[2], ber.INTEGER).content(data))
    binds = []
    for vb in ber.children(data, ber.expect(data, parts[3], ber.SEQUENCE), MAX_VARBINDS):
        pair = ber.children(data, ber.expect(data, vb, ber.SEQUENCE), 2)
        if len(pair) != 2:
            raise BerError("varbind needs a name and a value")
        oid = ber.decode_oid(ber.expect(data, pair[0], ber.OID).content(data))
        binds.append((oid, _raw(data, pair[1])))
    return Pdu(tlv.tag, rid, status, index, binds)


def _raw(data: bytes, tlv: ber.Tlv) -> bytes:
    """The whole encoded element (tag, length, content) of ``tlv``."""
    content = tlv.content(data)
    return ber.tlv(tlv.tag, content)


def parse(data: bytes) -> Message:
    """Decode one SNMP message; :class:`BerError` for anything else."""
    top = ber.read_tlv(data, 0, len(data))
    parts = ber.children(data, ber.expect(data, top, ber.SEQUENCE), 4)
    if len(parts) < 3:
        raise BerError("message too short")
    version = ber.decode_int(ber.expect(data, parts[0], ber.INTEGER).content(data))
    if version in (V1, V2C):
        if len(parts) != 3:
            raise BerError("v1/v2c message needs three fields")
        community = ber.expect(data, parts[1], ber.OCTET_STRING).content(data)
        return Message(version, community, _pdu(data, parts[2]))
    if version != V3 or len(parts) != 4:
        raise BerError(f"unsupported version {version}")
    head = ber.children(data, ber.expect(data, parts[1], ber.SEQUENCE), 4)
    if len(head) != 4:
        raise BerError("bad msgGlobalData")
    msg = Message(V3)
    msg.msg_id = ber.decode_int(ber.expect(data, head[0], ber.INTEGER).content(data))
    msg.max_size = ber.decode_int(ber.expect(data, head[1], ber.INTEGER).content(data))
    flags = ber.expect(data, head[2], ber.OCTET_STRING).content(data)
    msg.flags = flags[0] if len(flags) == 1 else 0
    msg.security_model = ber.decode_int(ber.expect(data, head[3], ber.INTEGER).content(data))
    sec = ber.expect(data, parts[2], ber.OCTET_STRING)
    if msg.security_model == 3 and sec.end > sec.start:
        usm_top = ber.read_tlv(data, sec.start, sec.end)
        usm = ber.children(data, ber.expect(data, usm_top, ber.SEQUENCE), 6)
        if len(usm) != 6:
            raise BerError("bad USM parameters")
        msg.engine_id = ber.expect(data, usm[0], ber.OCTET_STRING).content(data)[:32]
        msg.engine_boots = ber.decode_int(ber.expect(data, usm[1], ber.INTEGER).content(data))
        msg.engine_time = ber.decode_int(ber.expect(data, usm[2], ber.INTEGER).content(data))
        msg.user = ber.expect(data, usm[3], ber.OCTET_STRING).content(data)[:64]
    scoped = parts[3]
    if scoped.tag == ber.OCTET_STRING:
        msg.encrypted = True
        return msg
    fields = ber.children(data, ber.expect(data, scoped, ber.SEQUENCE), 3)
    if len(fields) != 3:
        raise BerError("bad scopedPDU")
    msg.pdu = _pdu(data, fields[2])
    return msg


def varbind(oid: Oid, value: bytes) -> bytes:
    return ber.seq(ber.enc_oid(oid), value)


def response(
    version: int, community: bytes, request_id: int, binds: list[bytes], status: int = 0, index: int = 0
) -> bytes:
    """A v1/v2c GetResponse."""
    pdu = ber.seq(
        ber.enc_int(request_id), ber.enc_int(status), ber.enc_int(index), ber.seq(*binds), tag=RESPONSE
    )
    return ber.seq(ber.enc_int(version), ber.enc_octets(community), pdu)


def report(
    msg: Message, engine_id: bytes, boots: int, engine_time: int, oid: Oid, count: int, request_id: int
) -> bytes:
    """A v3 Report (noAuthNoPriv) carrying one usmStats counter, as an agent answers discovery."""
    usm = ber.seq(
        ber.enc_octets(engine_id),
        ber.enc_int(boots),
        ber.enc_int(engine_time),
        ber.enc_octets(b""),
        ber.enc_octets(b""),
        ber.enc_octets(b""),
    )
    pdu = ber.seq(
        ber.enc_int(request_id),
        ber.enc_int(0),
        ber.enc_int(0),
        ber.seq(varbind(oid, ber.enc_unsigned(count, ber.COUNTER32))),
        tag=REPORT,
    )
    scoped = ber.seq(ber.enc_octets(engine_id), ber.enc_octets(b""), pdu)
    head = ber.seq(ber.enc_int(msg.msg_id), ber.enc_int(65507), ber.enc_octets(b"\x00"), ber.enc_int(3))
    return ber.seq(ber.enc_int(V3), head, ber.enc_octets(usm), scoped)
