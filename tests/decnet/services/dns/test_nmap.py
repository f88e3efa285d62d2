"""nmap -sV names every service of this group as its persona's product, never Python or a honeypot.

All scans run at once against services on loopback addresses of their own (so the well-known
ports are free): nmap's waits are long (6 s for a silent TCP service), their sum is not.
On the well-known port ``--version-intensity 0`` suffices: nmap sends the probes meant for it.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack

import pytest

from decnet.services.dns import DNSService
from decnet.services.ics import ICSService
from decnet.services.mqtt import MQTTService
from decnet.services.sip import SIPService
from decnet.services.snmp import SNMPService

from .support import make_persona, nmap, running

LIGHT = ("--version-intensity", "0")
SERVICES = (  # (key, class, host, ports, config)
    ("dns", DNSService, "127.0.53.53", (53,), {}),
    ("snmp_public", SNMPService, "127.0.16.1", (161,), {}),
    ("snmp_private", SNMPService, "127.0.16.2", (161,), {"community": "n0tpublic"}),
    ("sip", SIPService, "127.0.50.60", (5060,), {}),
    ("mqtt", MQTTService, "127.0.18.83", (1883,), {}),
    ("ics", ICSService, "127.0.5.2", (502, 102), {}),
)
SCANS = {  # key -> (service key, port, udp, extra nmap arguments)
    "dns_udp": ("dns", 53, True, LIGHT),
    "dns_tcp": ("dns", 53, False, LIGHT),
    "snmp_public": ("snmp_public", 161, True, ()),  # default intensity: the snmp-info script runs too
    "snmp_private": ("snmp_private", 161, True, LIGHT),
    "sip_udp": ("sip", 5060, True, LIGHT),
    "sip_tcp": ("sip", 5060, False, LIGHT),
    "mqtt": (
        "mqtt",
        1883,
        False,
        (*LIGHT, "--script", "mqtt-subscribe", "--script-args", "mqtt-subscribe.listen-time=2s"),
    ),
    "s7": ("ics", 102, False, (*LIGHT, "--script", "s7-info")),
    "modbus": ("ics", 502, False, (*LIGHT, "--script", "modbus-discover")),
}


async def _scan_all() -> dict[str, str]:
    persona = make_persona(distro="ubuntu22")
    hosts = {key: host for key, _, host, _, _ in SERVICES}
    async with AsyncExitStack() as stack:
        for _, cls, host, ports, config in SERVICES:
            await stack.enter_async_context(running(cls, persona=persona, host=host, ports=ports, **config))
        outputs = await asyncio.gather(
            *(nmap(port, udp=udp, host=hosts[svc], extra=extra) for svc, port, udp, extra in SCANS.values())
        )
    return dict(zip(SCANS, outputs, strict=True))


@pytest.fixture(scope="module")
def scans() -> dict[str, str]:
    return asyncio.run(_scan_all())


def test_nothing_gives_the_decky_away(scans: dict[str, str]) -> None:
    for out in scans.values():
        assert not re.search(r"python|honeypot|decnet|asyncio", out, re.IGNORECASE), out


def test_dns_is_isc_bind(scans: dict[str, str]) -> None:
    for key in ("dns_udp", "dns_tcp"):
        assert "ISC BIND 9.18.24-1 (Debian Linux)" in scans[key], scans[key]


def test_snmp_is_net_snmp(scans: dict[str, str]) -> None:
    # What nmap prints for a stock net-snmp with "public" (sysName as the host); else the v3 engine ID tells.
    public, private = scans["snmp_public"], scans["snmp_private"]
    assert re.search(r"161/udp\s+open\s+snmp\s+SNMPv1 server; net-snmp SNMPv3 server \(public\)", public), (
        public
    )
    assert "Host: SRV-ATLAS-07" in public
    assert re.search(r"161/udp\s+open\s+snmp\s+net-snmp", private), private


def test_sip_is_asterisk(scans: dict[str, str]) -> None:
    for key in ("sip_udp", "sip_tcp"):
        assert re.search(r"5060/(udp|tcp)\s+open\s+sip\S*\s+Asterisk PBX 18\.10\.0", scans[key]), scans[key]


def test_mqtt_is_mosquitto(scans: dict[str, str]) -> None:
    # nmap's mqtt probe finds the CONNACK; its mqtt-subscribe script names the broker from $SYS
    out = scans["mqtt"]
    assert re.search(r"1883/tcp\s+open\s+mosquitto version 2\.0\.11", out), out
    assert "$SYS/broker/version: mosquitto version 2.0.11" in out


def test_ics_is_a_siemens_plc(scans: dict[str, str]) -> None:
    s7, modbus = scans["s7"], scans["modbus"]
    assert "102/tcp open  iso-tsap Siemens S7 PLC" in s7, s7
    assert "Module: 6ES7 315-2EH14-0AB0" in s7 and "Version: 3.2.8" in s7
    assert "System Name: SIMATIC 300(1)" in s7 and "Serial Number: S C-" in s7
    assert "502/tcp open  modbus" in modbus, modbus
    assert "Device identification: Siemens 6ES7 315-2EH14-0AB0 V3.2.8" in modbus
