"""One ``nmap -sV`` run over the smb, rdp, vnc and ldap services (the NTLM family): each is named as
the persona's product, never as a honeypot or a Python server, and no probe breaks a service."""

from __future__ import annotations

import asyncio
import shutil
import xml.etree.ElementTree as ET
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from decnet.services.ldap import LDAPService
from decnet.services.rdp import RDPService
from decnet.services.smb import SMBService
from decnet.services.vnc import VNCService
from tests.decnet.services.ntlm.helpers import Events, linux_persona, running, windows_persona

GIVEAWAYS = ("python", "honeypot", "twisted", "asyncio", "dionaea", "nepenthes", "conpot")


async def nmap(ports: list[int]) -> dict[int, dict[str, str]]:
    path = shutil.which("nmap")
    assert path is not None, "nmap missing: run scripts/ensure-test-deps.sh"
    proc = await asyncio.create_subprocess_exec(
        path, "-sV", "-Pn", "-n", "--max-retries", "1", "--host-timeout", "60s",
        "--script", "rdp-ntlm-info,vnc-info",
        "-p", ",".join(map(str, ports)), "-oX", "-", "127.0.0.1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 90)
    found: dict[int, dict[str, str]] = {}
    for port in ET.fromstring(out).iter("port"):
        service = port.find("service")
        info = dict(service.attrib) if service is not None else {}
        for script in port.iter("script"):
            info[f"script:{script.get('id')}"] = script.get("output", "")
        found[int(port.get("portid", "0"))] = info
    return found


async def test_nmap_names_every_service_as_its_product(tmp_path: Path) -> None:
    win, lin = windows_persona(), linux_persona()
    setups: list[tuple[str, type[Any], Any, dict[str, Any]]] = [
        ("smb-samba", SMBService, lin, {}),
        ("smb-netbios", SMBService, win, {"netbios_ports": (0,)}),
        ("smb-windows-smb1", SMBService, win, {"smb1": True}),
        ("rdp", RDPService, win, {}),
        ("vnc", VNCService, lin, {}),
        ("ldap-ad", LDAPService, win, {"tls_ports": ()}),
        ("ldaps-ad", LDAPService, win, {"tls_ports": (0,)}),
        ("ldap-openldap", LDAPService, lin, {"tls_ports": ()}),
    ]
    by_port: dict[int, str] = {}
    events: list[Events] = []
    async with AsyncExitStack() as stack:
        for index, (name, cls, persona, config) in enumerate(setups):
            _, ports, ev = await stack.enter_async_context(
                running(cls, persona, tmp_path / str(index), **config)
            )
            by_port[ports[0]] = name
            events.append(ev)
        found = await nmap(list(by_port))
    seen = {by_port[port]: info for port, info in found.items()}
    for name, info in seen.items():
        text = " ".join(v for k, v in info.items() if not k.startswith("script:")).lower()
        assert not any(word in text for word in GIVEAWAYS), (name, info)
    assert seen["smb-samba"]["product"] == "Samba smbd"
    assert seen["smb-netbios"]["product"] == "Microsoft Windows netbios-ssn"
    assert seen["smb-windows-smb1"]["product"] == "Microsoft Windows 7 - 10 microsoft-ds"
    assert seen["smb-windows-smb1"]["extrainfo"] == "workgroup: CORP"
    assert (seen["rdp"]["name"], seen["rdp"]["product"]) == ("ms-wbt-server", "Microsoft Terminal Services")
    assert seen["vnc"]["name"] == "vnc" and seen["vnc"]["extrainfo"] == "protocol 3.8"
    assert "VNC Authentication (2)" in seen["vnc"]["script:vnc-info"]
    ntlm_info = seen["rdp"]["script:rdp-ntlm-info"]
    for line in (
        "NetBIOS_Domain_Name: CORP",
        "DNS_Computer_Name: SRV-ATLAS-07.corp.local",
        "Product_Version: 10.0.17763",
    ):
        assert line in ntlm_info, ntlm_info
    assert seen["ldap-ad"]["product"] == "Microsoft Windows Active Directory LDAP"
    assert "corp.local" in seen["ldap-ad"]["extrainfo"] and seen["ldap-ad"]["hostname"] == "SRV-ATLAS-07"
    assert seen["ldaps-ad"]["product"] == "Microsoft Windows Active Directory LDAP"
    assert seen["ldaps-ad"].get("tunnel") == "ssl"
    assert seen["ldap-openldap"]["product"] == "OpenLDAP"
    for ev in events:
        assert not [e for e in ev.of("disconnect") if e.fields["reason"] == "error"]
