"""The ics service driven by a raw Modbus/TCP client and a raw S7comm (COTP + S7 setup + SZL) client, and nmap."""

from __future__ import annotations

import asyncio
import struct

from decnet.services.ics import ICSService
from decnet.services.ics import s7 as s7mod

from ..dns.support import make_persona, running

S1200 = make_persona(
    os_profile="embedded",
    os_family="embedded",
    kernel="V4.5.2",
    versions=(
        ("ics_vendor", "Siemens"),
        ("ics_model", "CPU 1214C DC/DC/DC"),
        ("ics_module_type", "S7-1200"),
        ("ics_order_code", "6ES7 214-1AG40-0XB0"),
        ("serial", "S C-HBT123456789"),
    ),
)


class Modbus:
    """A minimal Modbus/TCP client (MBAP framing, one request at a time)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.tid = reader, writer, 0

    async def call(self, pdu: bytes, unit: int = 1) -> bytes:
        self.tid += 1
        self.writer.write(struct.pack("!HHHB", self.tid, 0, len(pdu) + 1, unit) + pdu)
        head = await asyncio.wait_for(self.reader.readexactly(7), 3)
        tid, pid, length, got_unit = struct.unpack("!HHHB", head)
        assert (tid, pid, got_unit) == (self.tid, 0, unit)
        return await self.reader.readexactly(length - 1)


async def test_modbus_reads_writes_and_identification() -> None:
    async with running(ICSService, ports=(0, 0), persona=S1200) as (svc, events):
        mb = Modbus(*await asyncio.open_connection("127.0.0.1", svc.bound_ports[0]))
        assert (await mb.call(b"\x06\x00\x0a\x04\xd2")) == b"\x06\x00\x0a\x04\xd2"
        reply = await mb.call(b"\x03\x00\x0a\x00\x02")
        assert reply[:2] == b"\x03\x04" and struct.unpack("!H", reply[2:4])[0] == 1234
        assert await mb.call(b"\x05\x00\x03\xff\x00") == b"\x05\x00\x03\xff\x00"
        assert (await mb.call(b"\x01\x00\x03\x00\x01")) == b"\x01\x01\x01"
        assert await mb.call(b"\x10\x00\x14\x00\x02\x04\x00\x07\x00\x08") == b"\x10\x00\x14\x00\x02"
        assert await mb.call(b"\x0f\x00\x00\x00\x03\x01\x05") == b"\x0f\x00\x00\x00\x03"
        assert (await mb.call(b"\x04\x00\x00\x00\x01"))[:2] == b"\x04\x02"
        assert (await mb.call(b"\x02\x00\x00\x00\x08"))[:2] == b"\x02\x01"
        assert await mb.call(b"\x03\xff\x00\x00\x10") == b"\x83\x02"  # illegal data address
        assert await mb.call(b"\x03\x00\x00\x00\x00") == b"\x83\x03"  # illegal data value
        assert await mb.call(b"\x08\x00\x00") == b"\x88\x01"  # illegal function
        ident = await mb.call(b"\x2b\x0e\x01\x00")
        mb.writer.close()
        await events.wait("disconnect")
    assert ident[:7] == b"\x2b\x0e\x01\x82\x00\x00\x03"
    assert b"Siemens" in ident and b"6ES7 214-1AG40-0XB0" in ident and b"V4.5.2" in ident
    writes = events.of("write")
    assert [(w.fields["function"], w.fields["address"], w.fields["values"]) for w in writes] == [
        ("write_single_register", "10", "1234"),
        ("write_single_coil", "3", "0xff00"),
        ("write_multiple_registers", "20", "7,8"),
        ("write_multiple_coils", "0", "101"),
    ]
    reads = events.of("request")
    assert reads[0].fields["function"] == "read_holding_registers" and reads[0].fields["quantity"] == "2"
    assert [r.fields.get("exception") for r in reads if "exception" in r.fields] == ["2", "3", "1"]


async def s7_exchange(port: int, frames: list[bytes]) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies = []
    for frame in frames:
        writer.write(frame)
        head = await asyncio.wait_for(reader.readexactly(4), 3)
        replies.append(head + await reader.readexactly(struct.unpack("!H", head[2:])[0] - 4))
    writer.close()
    return replies


CR = bytes.fromhex("0300001611e00000001400c1020100c2020102c0010a")
SETUP = bytes.fromhex("0300001902f08032010000000000080000f0000001000101e0")


def szl(szl_id: int, index: int) -> bytes:
    head = bytes.fromhex("0300002102f080320700000000000800080001120411440100ff090004")
    return head + struct.pack("!HH", szl_id, index)


async def test_s7_setup_and_szl_identification() -> None:
    async with running(ICSService, ports=(0, 0), persona=S1200, plant="Line 4 Bottling") as (svc, events):
        cc, setup, ident, comp = await s7_exchange(
            svc.bound_ports[1], [CR, SETUP, szl(0x11, 1), szl(0x1C, 1)]
        )
    assert cc[5] == 0xD0 and cc[6:8] == b"\x00\x14"  # confirms the client's source reference
    assert setup[7] == 0x32 and setup[8] == 3 and setup[-2:] == b"\x00\xf0"  # Ack_Data, PDU 240
    body = ident[29:]
    assert body[:2] == b"\xff\x09"
    szl_id, _, size, count = struct.unpack_from("!HHHH", body, 4)
    assert (szl_id, size, count) == (0x11, 28, 3)
    records = [body[12 + 28 * i : 12 + 28 * (i + 1)] for i in range(count)]
    assert records[0][2:22] == b"6ES7 214-1AG40-0XB0 "
    assert records[2][24:28] == b"V\x04\x05\x02"  # firmware V4.5.2
    texts = comp[29 + 12 :]
    names = {
        texts[i * 34 + 1]: texts[i * 34 + 2 : i * 34 + 34].rstrip(b"\0") for i in range(len(texts) // 34)
    }
    assert names[1] == b"S71200/ET200MP station_1" and names[3] == b"Line 4 Bottling"
    assert names[5] == b"S C-HBT123456789" and names[7] == b"CPU 1214C DC/DC/DC"
    [connect] = events.of("cotp_connect")
    assert connect.fields["src_tsap"] == "0100" and connect.fields["dst_tsap"] == "0102"
    assert [e.fields["szl_id"] for e in events.of("szl")] == ["0x0011", "0x001c"]
    assert events.of("setup")[0].fields["pdu_size"] == "480"


async def test_s7_write_and_stop_are_logged() -> None:
    item = bytes.fromhex("120a10020001000184000000")  # 1 byte of DB1 at 0.0
    params = b"\x05\x01" + item
    data = bytes.fromhex("00040008") + b"\x2a"
    write = struct.pack("!BBHHHH", 0x32, 1, 0, 2, len(params), len(data)) + params + data
    stop_params = b"\x29" + b"\x00" * 5 + b"\x09P_PROGRAM"
    stop = struct.pack("!BBHHHH", 0x32, 1, 0, 3, len(stop_params), 0) + stop_params
    async with running(ICSService, ports=(0, 0)) as (svc, events):
        _, _, wrote, stopped = await s7_exchange(
            svc.bound_ports[1], [CR, SETUP, s7mod.dt(write), s7mod.dt(stop)]
        )
    assert wrote[8] == 3 and wrote[-1] == 0x0A  # object does not exist
    assert stopped[8] == 3
    [w] = events.of("write")
    assert w.fields["items"] == "DB1.0.0:1" and w.fields["data"] == "000400082a"
    [ctl] = events.of("control")
    assert ctl.fields["function"] == "plc_stop" and "505f50524f4752414d" in ctl.fields["params"]


async def test_non_modbus_bytes_get_the_exception_a_plc_sends() -> None:
    async with running(ICSService, ports=(0, 0)) as (svc, events):
        reader, writer = await asyncio.open_connection("127.0.0.1", svc.bound_ports[0])
        writer.write(b"GET / HTTP/1.0\r\n\r\n")
        reply = await asyncio.wait_for(reader.read(100), 3)
        writer.close()
        await events.wait("disconnect")
    assert reply == b"GET \x00\x03H\xd4\x01"  # what nmap's Modbus match expects
    assert events.of("malformed")[0].fields["reason"] == "bad MBAP header"


async def test_a_modicon_speaks_modbus_only() -> None:
    m340 = make_persona(
        os_profile="embedded",
        os_family="embedded",
        kernel="v3.20",
        versions=(
            ("ics_vendor", "Schneider Electric"),
            ("ics_model", "BMX P34 2020"),
            ("ics_module_type", "Modicon M340"),
            ("ics_order_code", "BMX P34 2020"),
        ),
    )
    async with running(ICSService, ports=(0, 0), persona=m340) as (svc, _):
        assert len(svc.bound_ports) == 1  # no S7comm listener: 102 is closed as on a real M340
        mb = Modbus(*await asyncio.open_connection("127.0.0.1", svc.bound_ports[0]))
        ident = await mb.call(b"\x2b\x0e\x01\x00")
        mb.writer.close()
    assert b"Schneider Electric" in ident and b"BMX P34 2020" in ident and b"v3.20" in ident
    async with running(ICSService, ports=(0, 0), persona=m340, device="s7-1200") as (svc, _):
        assert len(svc.bound_ports) == 2 and svc.device.order_code == "6ES7 214-1AG40-0XB0"
