"""S7comm over ISO-on-TCP (RFC 1006 TPKT, ISO 8073 COTP class 0): frames and a Siemens CPU's answers.

Offsets follow what Siemens CPUs send, so Snap7, PLCScan and nmap's s7-info read them: a read
of SZL 0x0011 answers the module identification records (order number, basic hardware,
firmware as ``V`` major.minor.patch), SZL 0x001C the component identification (AS name,
module name, plant identification, copyright, serial number, module type name).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from decnet.services.ics.device import Device

TPKT_MAX = 4096
COTP_CR, COTP_CC, COTP_DR, COTP_DT = 0xE0, 0xD0, 0x80, 0xF0
JOB, ACK, ACK_DATA, USERDATA = 1, 2, 3, 7
FUNCTIONS = {
    0x04: "read_var",
    0x05: "write_var",
    0x1A: "request_download",
    0x1B: "download_block",
    0x1C: "download_ended",
    0x1D: "start_upload",
    0x1E: "upload",
    0x1F: "end_upload",
    0x28: "plc_control",
    0x29: "plc_stop",
    0xF0: "setup_communication",
}
CONTROL = {0x1A, 0x1B, 0x1C, 0x28, 0x29}
PDU_SIZE = 240


class S7Error(ValueError):
    """A frame we cannot read (the reason is safe to log)."""


@dataclass(frozen=True, slots=True)
class S7Header:
    rosctr: int
    pdu_ref: int
    params: bytes
    data: bytes


def tpkt(payload: bytes) -> bytes:
    return struct.pack("!BBH", 3, 0, len(payload) + 4) + payload


def dt(s7: bytes) -> bytes:
    """A COTP data TPDU (last unit) carrying ``s7`` in a TPKT."""
    return tpkt(b"\x02\xf0\x80" + s7)


def parse_cr(cotp: bytes) -> dict[str, str]:
    """The parameters of a connection request (TSAPs as hex, TPDU size)."""
    if len(cotp) < 7:
        raise S7Error("short connection request")
    params: dict[str, str] = {"src_ref": f"{struct.unpack_from('!H', cotp, 4)[0]:04x}"}
    pos = 7
    end = min(len(cotp), cotp[0] + 1)
    while pos + 2 <= end:
        code, size = cotp[pos], cotp[pos + 1]
        value = cotp[pos + 2 : pos + 2 + size]
        if len(value) != size:
            raise S7Error("COTP parameter runs past the end")
        name = {0xC0: "tpdu_size", 0xC1: "src_tsap", 0xC2: "dst_tsap"}.get(code)
        if name:
            params[name] = value.hex()
        pos += 2 + size
    return params


def cc(cr: bytes, local_ref: int) -> bytes:
    """The connection confirm to ``cr``: its source reference as destination, its TSAPs echoed."""
    src_ref = cr[4:6]
    params = b"\xc0\x01\x0a"
    pos, end = 7, min(len(cr), cr[0] + 1)
    while pos + 2 <= end:
        code, size = cr[pos], cr[pos + 1]
        if code in (0xC1, 0xC2) and size <= 8:
            params += cr[pos : pos + 2 + size]
        pos += 2 + size
    body = bytes([COTP_CC]) + src_ref + struct.pack("!H", local_ref) + b"\x00" + params
    return tpkt(bytes([len(body)]) + body)


def parse_s7(payload: bytes) -> S7Header:
    """The S7 header after the COTP DT header."""
    if len(payload) < 10 or payload[0] != 0x32:
        raise S7Error("not an S7comm PDU")
    rosctr = payload[1]
    ref, plen, dlen = struct.unpack_from("!HHH", payload, 4)
    head = 12 if rosctr in (ACK, ACK_DATA) else 10
    if head + plen + dlen > len(payload):
        raise S7Error("S7 parameters run past the end")
    return S7Header(rosctr, ref, payload[head : head + plen], payload[head + plen : head + plen + dlen])


def ack_data(ref: int, params: bytes, data: bytes = b"", error: int = 0) -> bytes:
    return struct.pack("!BBHHHHH", 0x32, ACK_DATA, 0, ref, len(params), len(data), error) + params + data


def userdata(ref: int, params: bytes, data: bytes) -> bytes:
    return struct.pack("!BBHHHH", 0x32, USERDATA, 0, ref, len(params), len(data)) + params + data


def setup_reply(ref: int, params: bytes) -> bytes:
    """Ack of a setup communication: the CPU's PDU size (the smaller of ours and the client's)."""
    asked = struct.unpack_from("!H", params, 6)[0] if len(params) >= 8 else PDU_SIZE
    amq = params[2:6] if len(params) >= 6 else b"\x00\x01\x00\x01"
    return ack_data(ref, b"\xf0\x00" + amq + struct.pack("!H", min(asked, PDU_SIZE) or PDU_SIZE))


def _text(value: str, size: int) -> bytes:
    return value.encode("ascii", "replace")[:size].ljust(size, b"\x00")


def _mlfb(value: str) -> bytes:
    return value.encode("ascii", "replace")[:20].ljust(20, b" ")


def szl_records(device: Device, szl_id: int, index: int) -> tuple[int, list[bytes]] | None:
    """(record length, records) of SZL ``szl_id``/``index``; None if the CPU has no such list."""
    major, minor, patch = device.firmware_parts()
    hw = int(device.hardware) if device.hardware.isdigit() else 1
    if szl_id in (0x0011, 0x0111):
        records = {
            1: struct.pack("!H", 1) + _mlfb(device.order_code) + struct.pack("!HHH", 0x00C0, hw, 0),
            6: struct.pack("!H", 6) + _mlfb(device.order_code) + struct.pack("!HHH", 0x00C0, hw, 0),
            7: struct.pack("!H", 7)
            + _mlfb("")
            + struct.pack("!HBBBB", 0x00C0, ord("V"), major, minor, patch),
        }
        if szl_id == 0x0111:
            return (28, [records[index]]) if index in records else None
        return 28, list(records.values())
    if szl_id in (0x001C, 0x011C):
        texts = {
            1: device.system_name,
            2: device.module_name,
            3: device.plant,
            4: "Original Siemens Equipment",
            5: device.serial,
            7: device.model,
            8: "",
            9: "",
            10: "",
            11: "",
        }
        records = {i: struct.pack("!H", i) + _text(t, 32) for i, t in texts.items()}
        if szl_id == 0x011C:
            return (34, [records[index]]) if index in records else None
        return 34, list(records.values())
    if szl_id == 0x0424:  # CPU mode: RUN
        return 20, [b"\x51\x44\xff\x08" + b"\x00" * 16]
    if szl_id == 0x0000:
        ids = (0x0000, 0x0011, 0x0111, 0x001C, 0x011C, 0x0424)
        return 2, [struct.pack("!H", i) for i in ids]
    return None


def szl_reply(device: Device, ref: int, seq: int, request: bytes) -> tuple[bytes, int, int]:
    """(userdata response, szl id, index) to a read-SZL request's data part."""
    szl_id, index = struct.unpack_from("!HH", request, 4) if len(request) >= 8 else (0xFFFF, 0)
    found = szl_records(device, szl_id, index)
    if found is None:
        params = b"\x00\x01\x12\x08\x12\x84\x01" + bytes([seq & 0xFF]) + b"\x00\x00\xd4\x01"
        return userdata(ref, params, b"\x0a\x00\x00\x00"), szl_id, index
    size, records = found
    body = struct.pack("!HHHH", szl_id, 0 if szl_id in (0x0011, 0x001C) else index, size, len(records))
    body += b"".join(records)
    params = b"\x00\x01\x12\x08\x12\x84\x01" + bytes([seq & 0xFF]) + b"\x00\x00\x00\x00"
    return userdata(ref, params, b"\xff\x09" + struct.pack("!H", len(body)) + body), szl_id, index
