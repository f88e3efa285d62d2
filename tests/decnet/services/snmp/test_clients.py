"""The snmp service driven by net-snmp's snmpget/snmpwalk/snmpset (Debian snmp) and nmap."""

from __future__ import annotations

import asyncio
import re

from decnet.services.snmp import SNMPService

from ..dns.support import make_persona, run, running

SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME = (f"1.3.6.1.2.1.1.{i}.0" for i in (1, 2, 3, 5))
HR_UPTIME = "1.3.6.1.2.1.25.1.1.0"


async def snmp(tool: str, port: int, *args: str, version: str = "2c", community: str = "public") -> str:
    _code, out, err = await run(
        tool, "-On", f"-v{version}", "-c", community, "-t", "0.5", "-r", "0", f"127.0.0.1:{port}", *args
    )
    return out + err


async def test_get_answers_from_the_persona() -> None:
    async with running(SNMPService) as (svc, events):
        out = await snmp(
            "snmpget", svc.bound_ports[0], SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME, HR_UPTIME
        )
    assert f'.{SYS_DESCR} = STRING: "Linux SRV-ATLAS-07 6.1.0-18-amd64 #1 SMP' in out
    assert f".{SYS_OBJECT_ID} = OID: .1.3.6.1.4.1.8072.3.2.10" in out
    assert f'.{SYS_NAME} = STRING: "SRV-ATLAS-07"' in out
    ticks = [int(t) for t in re.findall(r"Timeticks: \((\d+)\)", out)]
    days = [t // 100 // 86400 for t in ticks]
    assert days == [12, 12] and ticks[0] < ticks[1]  # the persona booted 12 days 3 hours ago
    [auth] = events.of("auth")
    assert auth.fields["secret_kind"] == "community" and auth.fields["secret"] == "public"
    assert auth.fields["result"] == "success" and auth.fields["method"] == "v2c"
    [req] = events.of("request")
    assert req.fields["pdu"] == "get" and req.fields["oids"].startswith("1.3.6.1.2.1.1.1.0,")


async def test_walk_v1_and_v2c_bulk() -> None:
    async with running(SNMPService) as (svc, events):
        port = svc.bound_ports[0]
        v1 = await snmp("snmpwalk", port, "1.3.6.1.2.1.1", version="1")
        bulk = await snmp("snmpbulkwalk", port, "1.3.6.1.2.1.2")
    assert (
        v1.count("\n") == 8 + 30
        and '.1.3.6.1.2.1.1.9.1.3.4 = STRING: "The MIB module for SNMPv2 entities"' in v1
    )
    assert '.1.3.6.1.2.1.1.6.0 = STRING: "Sitting on the Dock of the Bay"' in v1
    assert '.1.3.6.1.2.1.2.2.1.2.2 = STRING: "' in bulk and "Hex-STRING: 00 50 56 12 34 56" in bulk
    assert any(e.fields["pdu"] == "getbulk" for e in events.of("request"))
    assert len(events.of("auth")) == 1  # one per source and community, not one per request


async def test_wrong_community_gets_silence_and_is_captured() -> None:
    async with running(SNMPService, community="s3cret,monitor") as (svc, events):
        port = svc.bound_ports[0]
        out = await snmp("snmpget", port, SYS_DESCR, community="public")
        assert "Timeout" in out
        out = await snmp("snmpget", port, SYS_NAME, community="monitor")
        assert "SRV-ATLAS-07" in out
    bad, good = events.of("auth")
    assert (bad.fields["secret"], bad.fields["result"]) == ("public", "failure")
    assert (good.fields["secret"], good.fields["result"]) == ("monitor", "success")
    assert events.of("request")[0].fields["answered"] == "0"


async def test_set_is_refused_read_only() -> None:
    async with running(SNMPService) as (svc, events):
        port = svc.bound_ports[0]
        v2 = await snmp("snmpset", port, SYS_NAME, "s", "owned")
        v1 = await snmp("snmpset", port, SYS_NAME, "s", "owned", version="1")
    assert "noAccess" in v2 and "noSuchName" in v1
    sets = [e for e in events.of("request") if e.fields["pdu"] == "set"]
    assert (
        len(sets) == 2 and sets[0].fields["error"] == "noAccess" and "6f776e6564" in sets[0].fields["values"]
    )


async def test_v3_gets_a_net_snmp_discovery_report() -> None:
    async with running(SNMPService) as (svc, events):
        code, out, err = await run(
            "snmpget", "-v3", "-u", "admin", "-l", "authNoPriv", "-a", "SHA", "-A", "password123",
            "-t", "0.5", "-r", "0", f"127.0.0.1:{svc.bound_ports[0]}", SYS_DESCR,
        )  # fmt: skip
    assert code != 0 and "Unknown user name" in out + err
    reports = [e.fields.get("report") for e in events.of("request")]
    assert reports[:2] == ["unknown_engine_id", "unknown_user"]
    assert any(
        e.fields["username"] == "admin" and e.fields["secret_kind"] == "usm" for e in events.of("auth")
    )


async def test_sysdescr_of_an_embedded_persona() -> None:
    persona = make_persona(
        os_profile="embedded",
        os_family="embedded",
        versions=(
            ("sysdescr", "Siemens, SIMATIC S7, CPU 1214C DC/DC/DC, 6ES7 214-1AG40-0XB0, HW: 1, FW: V4.5.2"),
        ),
    )
    async with running(SNMPService, persona=persona) as (svc, _):
        out = await snmp("snmpget", svc.bound_ports[0], SYS_DESCR, SYS_OBJECT_ID)
        await asyncio.sleep(0)
    assert "SIMATIC S7, CPU 1214C" in out and ".1.3.6.1.4.1.4329." in out


async def test_a_windows_persona_looks_like_windows() -> None:
    descr = (
        "Hardware: Intel64 Family 6 Model 79 Stepping 1 AT/AT COMPATIBLE - Software: Windows Version 6.3 "
        "(Build 17763 Multiprocessor Free)"
    )
    persona = make_persona(os_profile="windows_server", os_family="windows", versions=(("sysdescr", descr),))
    async with running(SNMPService, persona=persona) as (svc, _):
        out = await snmp("snmpwalk", svc.bound_ports[0], "1.3.6.1.2.1.1")
        ifaces = await snmp("snmpwalk", svc.bound_ports[0], "1.3.6.1.2.1.2.2.1.2")
    assert f'STRING: "{descr}"' in out and "OID: .1.3.6.1.4.1.311.1.1.3.1.2" in out
    assert '.1.3.6.1.2.1.1.4.0 = ""' in out  # no Debian snmpd.conf defaults on Windows
    assert "Software Loopback Interface 1" in ifaces


async def test_engine_ip_and_host_resources_agree_with_the_persona() -> None:
    async with running(SNMPService, persona=make_persona(ip="10.20.30.40")) as (svc, _):
        port = svc.bound_ports[0]
        engine = await snmp("snmpwalk", port, "1.3.6.1.6.3.10.2.1")
        addrs = await snmp("snmpwalk", port, "1.3.6.1.2.1.4.20.1")
        memory = await snmp("snmpget", port, "1.3.6.1.2.1.25.2.2.0")
    assert f"Hex-STRING: {' '.join(f'{b:02X}' for b in svc.engine_id)}" in engine
    assert ".1.3.6.1.2.1.4.20.1.1.10.20.30.40 = IpAddress: 10.20.30.40" in addrs
    assert ".1.3.6.1.2.1.4.20.1.3.10.20.30.40 = IpAddress: 255.255.255.0" in addrs
    assert "INTEGER: 8000000" in memory
