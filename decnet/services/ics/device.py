"""Who the industrial device is: one identity that Modbus and S7comm both report (from the persona)."""

from __future__ import annotations

from dataclasses import dataclass

from decnet.fleet.persona import Persona
from decnet.fleet.rand import derive_int

#: The Siemens CPUs the S7 side can be, for personas that are not a Siemens PLC themselves.
SIEMENS: dict[str, dict[str, str]] = {
    "s7-300": {
        "order_code": "6ES7 315-2EH14-0AB0",
        "model": "CPU 315-2 PN/DP",
        "module_type": "S7-300",
        "firmware": "V3.2.8",
        "hardware": "4",
        "system_name": "SIMATIC 300(1)",
        "module_name": "CPU 315-2 PN/DP",
    },
    "s7-1200": {
        "order_code": "6ES7 214-1AG40-0XB0",
        "model": "CPU 1214C DC/DC/DC",
        "module_type": "S7-1200",
        "firmware": "V4.5.2",
        "hardware": "1",
        "system_name": "S71200/ET200MP station_1",
        "module_name": "PLC_1",
    },
}


@dataclass(frozen=True, slots=True)
class Device:
    """Identity strings of the PLC."""

    vendor: str  #: Modbus VendorName
    order_code: str  #: Modbus ProductCode, S7 MlfB (order number)
    model: str  #: Modbus ModelName, S7 module type name
    module_type: str  #: "S7-300", "S7-1200", "Modicon M340"
    firmware: str  #: "V3.2.8" (Modbus MajorMinorRevision)
    hardware: str  #: hardware version (one digit)
    serial: str
    system_name: str  #: S7 AS name
    module_name: str  #: S7 module name
    plant: str  #: S7 plant identification
    s7_kind: str  #: "s7-300" or "s7-1200": the S7 side's behaviour

    def firmware_parts(self) -> tuple[int, int, int]:
        """(major, minor, patch) of the firmware version."""
        digits = [int(p) for p in self.firmware.lstrip("vV").split(".") if p.isdigit()][:3]
        while len(digits) < 3:
            digits.append(0)
        return digits[0] % 256, digits[1] % 256, digits[2] % 256


def _serial(persona: Persona) -> str:
    own = persona.version_of("serial")
    if own:
        return own
    letters = "".join(
        "ABCDEFGHJKLMNPRSTUVWXYZ"[derive_int(persona.seed, f"ics:serial:{i}", 23)] for i in range(2)
    )
    return f"S C-{letters}{derive_int(persona.seed, 'ics:serial', 10**9):09d}"


def device_for(persona: Persona, kind: str | None, plant: str) -> Device:
    """The device: the persona's own PLC when it is one, else the Siemens CPU ``kind`` (default S7-300)."""
    module_type = persona.version_of("ics_module_type")
    own_kind = {"S7-300": "s7-300", "S7-1200": "s7-1200"}.get(module_type)
    s7_kind = kind or own_kind or "s7-300"
    table = SIEMENS[s7_kind]
    if module_type and (kind is None or kind == own_kind):
        firmware = persona.kernel if persona.kernel[:1] in "vV" else table["firmware"]
        model = persona.version_of("ics_model", table["model"])
        return Device(
            vendor=persona.version_of("ics_vendor", "Siemens"),
            order_code=persona.version_of("ics_order_code", table["order_code"]),
            model=model,
            module_type=module_type,
            firmware=firmware,
            hardware=table["hardware"],
            serial=_serial(persona),
            system_name=table["system_name"] if own_kind else persona.hostname,
            module_name=table["module_name"] if own_kind else model,
            plant=plant,
            s7_kind=s7_kind,
        )
    return Device(
        vendor="Siemens",
        order_code=table["order_code"],
        model=table["model"],
        module_type=table["module_type"],
        firmware=table["firmware"],
        hardware=table["hardware"],
        serial=_serial(persona),
        system_name=table["system_name"],
        module_name=table["module_name"],
        plant=plant,
        s7_kind=s7_kind,
    )
