"""Modbus, COTP and S7 parsing survive any bytes: no crash, no hang, bounded answers."""

from __future__ import annotations

import asyncio
import contextlib
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.ics import ICSService, s7
from decnet.services.ics.device import device_for
from decnet.services.ics.modbus import Plc

from ..dns.support import make_persona, running

PLC = Plc(device_for(make_persona(), None, ""), b"x" * 32, 1000)
CR = bytes.fromhex("0300001611e00000001400c1020100c2020102c0010a")


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 255), st.binary(max_size=260))
def test_modbus_pdus(fc: int, data: bytes) -> None:
    reply, outcome = PLC.handle(bytes([fc]) + data)
    assert 2 <= len(reply) <= 253 and (reply[0] & 0x7F) == (fc & 0x7F)
    assert outcome.function


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_s7_frames(payload: bytes) -> None:
    with contextlib.suppress(s7.S7Error):
        s7.parse_cr(payload)
    try:
        pdu = s7.parse_s7(payload)
    except s7.S7Error:
        return
    assert len(pdu.params) + len(pdu.data) <= len(payload)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.binary(max_size=8))
def test_szl_requests(szl_id: int, index: int, tail: bytes) -> None:
    reply, _, _ = s7.szl_reply(
        PLC.device, 1, 0, b"\xff\x09\x00\x04" + struct.pack("!HH", szl_id, index) + tail
    )
    assert reply[0] == 0x32 and len(reply) < s7.PDU_SIZE * 2


async def session(port: int, data: bytes) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    try:
        await writer.drain()
        await asyncio.wait_for(reader.read(65536), 0.3)
    except (ConnectionError, TimeoutError):
        pass
    finally:
        writer.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=300), st.binary(min_size=1, max_size=300))
async def test_sessions_on_both_ports(modbus: bytes, s7_tail: bytes) -> None:
    async with running(ICSService, ports=(0, 0), idle_timeout=0.3) as (svc, events):
        mb_port, s7_port = svc.bound_ports
        tpkt = s7.dt(s7_tail) if s7_tail[0] & 1 else s7_tail
        await asyncio.gather(session(mb_port, modbus), session(s7_port, CR + tpkt))
        await events.wait("disconnect", 2, timeout=3)
