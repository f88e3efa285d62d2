"""Planned deckies of every archetype running this group's services tell their persona's story."""

from __future__ import annotations

from pathlib import Path

import pytest

from decnet.fleet.catalog.archetypes import ARCHETYPES
from decnet.fleet.persona import Persona
from decnet.fleet.personas import banner_os_families, derive_persona
from decnet.fleet.planner import plan_fleet
from decnet.services.base import ServiceContext
from decnet.services.dns import DNSService
from decnet.services.dns import message as m
from decnet.services.ics import ICSService
from decnet.services.llmnr import LLMNRService
from decnet.services.mqtt import MQTTService
from decnet.services.sip import SIPService
from decnet.services.snmp import SNMPService, ber
from decnet.services.snmp import message as sm

from .support import Events

MINE = {"dns", "llmnr", "snmp", "sip", "mqtt", "ics"}
ARCHETYPE_SLUGS = sorted(a for a, spec in ARCHETYPES.items() if MINE & set(spec.services))


def personas(archetype: str) -> list[tuple[Persona, list[str]]]:
    fleet = plan_fleet(deckies=6, subnet="10.77.0.0/24", archetype=archetype, seed="5a" * 32, backend="local")
    return [(derive_persona(d), [s for s in d.services if s in MINE]) for d in fleet.deckies]


def ctx(persona: Persona) -> ServiceContext:
    return ServiceContext(persona, "127.0.0.1", Events(), Path("/nonexistent"))


def sys_descr(persona: Persona) -> str:
    svc = SNMPService(ctx(persona))
    pdu = ber.seq(
        ber.enc_int(1),
        ber.enc_int(0),
        ber.enc_int(0),
        ber.seq(sm.varbind((1, 3, 6, 1, 2, 1, 1, 1, 0), ber.NULL_VALUE)),
        tag=sm.GET,
    )
    reply = svc.handle(ber.seq(ber.enc_int(1), ber.enc_octets(b"public"), pdu), "192.0.2.1", 1)
    assert reply is not None
    value = sm.parse(reply).pdu.varbinds[0][1]  # type: ignore[union-attr]
    return value[2:].decode()


def banners(persona: Persona, slug: str) -> list[str]:
    """What an attacker reads from ``slug`` on this persona."""
    if slug == "snmp":
        return [sys_descr(persona)]
    if slug == "dns":
        b = m.Builder()
        b.question(m.Question((b"version", b"bind"), m.TXT, m.CH))
        reply = DNSService(ctx(persona)).answer(b.finish(1, 0), "192.0.2.1", 1, None, "udp")
        assert reply is not None
        answers = m.parse(reply).answers
        return [answers[0].rdata[1:].decode()] if answers else []
    if slug == "sip":
        return [SIPService(ctx(persona)).server]
    if slug == "mqtt":
        return [MQTTService(ctx(persona)).bait()[b"$SYS/broker/version"].decode()]
    if slug == "ics":
        svc = ICSService(ctx(persona))
        ident = svc.plc.identification()
        assert svc.speaks_s7 == ident[0].startswith(b"Siemens")
        return [v.decode() for v in ident.values()]
    if slug == "llmnr":
        b = m.Builder()
        host = persona.hostname.split(".")[0].encode()
        b.question(m.Question((host,), m.A, m.IN))
        [(reply, _)] = LLMNRService(ctx(persona)).handle(b.finish(9, 0), "llmnr", False, "192.0.2.1", 5355)
        assert m.parse(reply).answers[0].rdata == bytes(int(x) for x in persona.ip.split("."))
        return []
    raise AssertionError(slug)


@pytest.mark.parametrize("archetype", ARCHETYPE_SLUGS)
def test_every_banner_names_the_persona_os_family(archetype: str) -> None:
    for persona, slugs in personas(archetype):
        for slug in slugs:
            for text in banners(persona, slug):
                assert banner_os_families(text) <= {persona.os_family}, (
                    archetype,
                    slug,
                    text,
                    persona.os_family,
                )


def test_ics_and_snmp_agree_on_the_plc() -> None:
    for persona, slugs in personas("industrial-control"):
        assert {"ics", "snmp"} <= set(slugs)
        device = ICSService(ctx(persona)).device
        descr = sys_descr(persona)
        assert device.firmware in descr and device.model in descr, (descr, device)


def test_printers_snmp_is_the_printer() -> None:
    for persona, _ in personas("printer"):
        assert sys_descr(persona) == persona.version_of("sysdescr")
