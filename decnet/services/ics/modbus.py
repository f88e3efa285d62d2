"""Modbus application layer (Modbus Application Protocol V1.1b3): the PLC's data and its answers.

:func:`Plc.handle` takes one PDU (function code and data) and returns the response PDU and a
description of what was asked, for the event. Every length is checked; a request that breaks
the spec gets the exception a conforming server sends.
"""

from __future__ import annotations

import math
import struct
import time
from dataclasses import dataclass, field

from decnet.fleet.rand import derive_int
from decnet.services.ics.device import Device

ILLEGAL_FUNCTION, ILLEGAL_ADDRESS, ILLEGAL_VALUE = 1, 2, 3
FUNCTIONS = {
    1: "read_coils",
    2: "read_discrete_inputs",
    3: "read_holding_registers",
    4: "read_input_registers",
    5: "write_single_coil",
    6: "write_single_register",
    15: "write_multiple_coils",
    16: "write_multiple_registers",
    17: "report_server_id",
    43: "encapsulated_interface",
}
WRITES = {5, 6, 15, 16}
MAX_LOG_VALUES = 64


@dataclass(slots=True)
class Outcome:
    """What one request asked and got."""

    function: str
    write: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    exception: int = 0


def exception(fc: int, code: int) -> bytes:
    return bytes([(fc | 0x80) & 0xFF, code])


class Plc:
    """Coils, discrete inputs, holding and input registers (``size`` of each) and the identity."""

    def __init__(self, device: Device, seed: bytes, size: int) -> None:
        self.device = device
        self.size = size
        self.coils = bytearray(derive_int(seed, f"mb:coil:{i}", 3) == 0 for i in range(size))
        self.inputs = bytearray(derive_int(seed, f"mb:di:{i}", 4) == 0 for i in range(size))
        self.holding = [derive_int(seed, f"mb:hr:{i}", 1000) if i < 32 else 0 for i in range(size)]
        self._base = [200 + derive_int(seed, f"mb:ir:{i}", 600) if i < 32 else 0 for i in range(size)]
        self._phase = [derive_int(seed, f"mb:phase:{i}", 360) for i in range(min(size, 32))]

    def input_register(self, address: int) -> int:
        """Sensor-like values that drift slowly around a base (the first 32), zero beyond."""
        if address >= len(self._phase):
            return self._base[address]
        wave = math.sin(time.time() / 60 + math.radians(self._phase[address]))
        return max(0, int(self._base[address] + 15 * wave)) & 0xFFFF

    def identification(self) -> dict[int, bytes]:
        d = self.device
        return {
            0: d.vendor.encode(),
            1: d.order_code.encode(),
            2: d.firmware.encode(),
            3: b"www.se.com" if d.vendor.startswith("Schneider") else b"www.siemens.com",
            4: d.module_type.encode(),
            5: d.model.encode(),
        }

    def handle(self, pdu: bytes) -> tuple[bytes, Outcome]:
        """(response PDU, outcome) for a request PDU of at least one byte."""
        fc = pdu[0]
        data = pdu[1:]
        out = Outcome(FUNCTIONS.get(fc, f"fc{fc}"), write=fc in WRITES)
        try:
            reply = self._dispatch(fc, data, out)
        except _Exception as exc:
            out.exception = exc.code
            return exception(fc, exc.code), out
        return reply, out

    def _dispatch(self, fc: int, data: bytes, out: Outcome) -> bytes:
        if fc in (1, 2, 3, 4):
            address, count = _words(data, 2)
            out.fields.update(address=str(address), quantity=str(count))
            limit = 2000 if fc <= 2 else 125
            if not 1 <= count <= limit:
                raise _Exception(ILLEGAL_VALUE)
            if address + count > self.size:
                raise _Exception(ILLEGAL_ADDRESS)
            if fc <= 2:
                bits = self.coils if fc == 1 else self.inputs
                packed = _pack_bits(bits[address : address + count])
                return bytes([fc, len(packed)]) + packed
            values = (
                self.holding[address : address + count]
                if fc == 3
                else [self.input_register(a) for a in range(address, address + count)]
            )
            return bytes([fc, 2 * count]) + struct.pack(f"!{count}H", *values)
        if fc == 5:
            address, value = _words(data, 2)
            out.fields.update(address=str(address), values=f"{value:#06x}")
            if value not in (0x0000, 0xFF00):
                raise _Exception(ILLEGAL_VALUE)
            if address >= self.size:
                raise _Exception(ILLEGAL_ADDRESS)
            self.coils[address] = 1 if value else 0
            return bytes([fc]) + data[:4]
        if fc == 6:
            address, value = _words(data, 2)
            out.fields.update(address=str(address), values=str(value))
            if address >= self.size:
                raise _Exception(ILLEGAL_ADDRESS)
            self.holding[address] = value
            return bytes([fc]) + data[:4]
        if fc in (15, 16):
            address, count = _words(data, 2)
            if len(data) < 5:
                raise _Exception(ILLEGAL_VALUE)
            byte_count = data[4]
            payload = data[5 : 5 + byte_count]
            out.fields.update(address=str(address), quantity=str(count))
            if fc == 15:
                ok = 1 <= count <= 0x7B0 and byte_count == (count + 7) // 8 and len(payload) == byte_count
            else:
                ok = 1 <= count <= 0x7B and byte_count == 2 * count and len(payload) == byte_count
            if not ok:
                raise _Exception(ILLEGAL_VALUE)
            if address + count > self.size:
                raise _Exception(ILLEGAL_ADDRESS)
            if fc == 15:
                written = [(payload[i // 8] >> (i % 8)) & 1 for i in range(count)]
                self.coils[address : address + count] = bytes(written)
                out.fields["values"] = "".join(str(b) for b in written[:MAX_LOG_VALUES])
            else:
                values = list(struct.unpack(f"!{count}H", payload))
                self.holding[address : address + count] = values
                out.fields["values"] = ",".join(str(v) for v in values[:MAX_LOG_VALUES])
            return bytes([fc]) + data[:4]
        if fc == 17:
            text = f"{self.device.vendor} {self.device.model}".encode()[:200]
            body = bytes([1, 0xFF]) + text
            return bytes([fc, len(body)]) + body
        if fc == 43:
            return self._device_id(data, out)
        raise _Exception(ILLEGAL_FUNCTION)

    def _device_id(self, data: bytes, out: Outcome) -> bytes:
        if len(data) < 3 or data[0] != 0x0E:
            raise _Exception(ILLEGAL_FUNCTION)
        code, start = data[1], data[2]
        out.fields.update(mei="14", read_code=str(code), object_id=str(start))
        objects = self.identification()
        if code not in (1, 2, 3, 4):
            raise _Exception(ILLEGAL_VALUE)
        if code == 4:
            if start not in objects:
                raise _Exception(ILLEGAL_ADDRESS)
            chosen = [start]
        else:
            last = 2 if code == 1 else 5
            if start > last:
                start = 0
            chosen = list(range(start, last + 1))
        body = b"".join(bytes([i, len(objects[i])]) + objects[i] for i in chosen)
        return bytes([43, 0x0E, code, 0x82, 0, 0, len(chosen)]) + body


class _Exception(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _words(data: bytes, count: int) -> tuple[int, ...]:
    if len(data) < 2 * count:
        raise _Exception(ILLEGAL_VALUE)
    return struct.unpack_from(f"!{count}H", data, 0)


def _pack_bits(bits: bytes | bytearray) -> bytes:
    out = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        if bit:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)
