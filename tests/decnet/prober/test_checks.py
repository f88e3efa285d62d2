"""The check functions on their own: generic answers (plain and TLS), SYN-ACK judgement,
uniqueness, catalog expectations, port parsing, scores and safe evidence."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from decnet.db.models import Decky
from decnet.fleet.catalog.distros import DISTROS
from decnet.fleet.personas import derive_persona
from decnet.fleet.planner import plan_fleet
from decnet.prober.expect import http_server_fits, ssh_banner_fits
from decnet.prober.fleet import uniqueness
from decnet.prober.score import realism_score
from decnet.prober.services import ServiceProbe, generic_check
from decnet.prober.stack import SynAck, judge
from decnet.prober.target import ProbeTarget, target_of
from decnet.prober.verdict import Observation, Verdict, printable
from tests.decnet.events.helpers import make_tls

IP = "127.88.0.1"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _target(**config: dict[str, str]) -> ProbeTarget:
    spec = plan_fleet(
        deckies=1,
        subnet="127.88.0.0/24",
        services="ssh,http",
        distros="debian",
        seed="f1" * 32,
        backend="local",
    ).deckies[0]
    spec = spec.model_copy(update={"ip": IP, "service_config": dict(config)})
    return ProbeTarget(spec, derive_persona(spec), None, "macvlan")


@asynccontextmanager
async def _server(port: int, handler: Handler, tls: object = None) -> AsyncIterator[None]:
    server = await asyncio.start_server(handler, IP, port, ssl=tls)  # type: ignore[arg-type]
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


async def _greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mail ESMTP Postfix (Debian/GNU)\r\n")
    await writer.drain()
    await reader.read(100)
    writer.close()


async def _wait(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(100)
    writer.close()


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def test_generic_check_tells_greeting_and_waiting_from_hanging_up() -> None:
    observation = Observation()
    target = _target()
    async with _server(20001, _greet), _server(20002, _wait), _server(20003, _hang_up):
        (good,) = await generic_check(ServiceProbe(target, "smtp", (20001, 20002), observation, 2.0))
        (bad,) = await generic_check(ServiceProbe(target, "odd", (20003,), observation, 2.0))
    (gone,) = await generic_check(ServiceProbe(target, "gone", (20004,), observation, 1.0))
    assert good.check == "answers:smtp" and good.passed is True
    assert "20001: greets '220 mail ESMTP Postfix (Debian/GNU)'" in good.evidence
    assert "20002: accepts and waits for the client" in good.evidence
    assert observation.banners == {"smtp:20001": "220 mail ESMTP Postfix (Debian/GNU)"}
    assert bad.passed is False and "accepted then closed at once" in bad.evidence
    assert gone.passed is False and "no connection" in gone.evidence


@pytest.mark.skipif(os.geteuid() != 0, reason="binds port 993 (root)")
async def test_generic_check_completes_tls_on_tls_ports_and_notes_the_certificate(tmp_path: Path) -> None:
    server_tls, _ = make_tls(tmp_path)
    observation = Observation()
    async with _server(993, _wait, server_tls):
        (verdict,) = await generic_check(ServiceProbe(_target(), "imap", (993,), observation, 2.0))
    assert verdict.passed is True and "993: TLS, certificate sha256" in verdict.evidence
    assert len(observation.certificates) == 1 and len(next(iter(observation.certificates))) == 64
    async with _server(993, _wait):  # plain text where TLS is expected
        (plain,) = await generic_check(ServiceProbe(_target(), "imap", (993,), Observation(), 2.0))
    assert plain.passed is False and "no TLS handshake" in plain.evidence


def test_syn_ack_judgement_follows_the_profile_sysctls() -> None:
    full = ("MSS", "SAckOK", "Timestamp", "NOP", "WScale")
    assert judge("linux", SynAck(64, True, 65160, full), 80).passed is True
    assert judge("windows", SynAck(128, True, 65160, full), 80).passed is True
    wrong_ttl = judge("windows", SynAck(64, True, 65160, full), 80)
    assert wrong_ttl.passed is False and "TTL 64, profile 128" in wrong_ttl.evidence
    chatty = judge("embedded", SynAck(255, True, 5840, full), 80)
    assert chatty.passed is False
    for part in ("Timestamp present, tcp_timestamps=0", "WScale present", "SAckOK present"):
        assert part in chatty.evidence
    assert judge("embedded", SynAck(255, False, 5840, ("MSS",)), 80).passed is True


def test_uniqueness_flags_every_decky_that_shares() -> None:
    fleet = plan_fleet(deckies=3, subnet="10.88.0.0/24", services="ssh", seed="f2" * 32, backend="local")
    targets = [ProbeTarget(d, derive_persona(d), None, "macvlan") for d in fleet.deckies]
    a, b, c = (t.name for t in targets)
    observations = {a: Observation(), b: Observation(), c: Observation()}
    observations[a].host_keys = {"SHA256:same"}
    observations[b].host_keys = {"SHA256:same", "SHA256:b"}
    observations[c].host_keys = {"SHA256:c"}
    verdicts = {name: {v.check: v for v in vs} for name, vs in uniqueness(targets, observations).items()}
    assert verdicts[a]["unique_host_key"].passed is False and b in verdicts[a]["unique_host_key"].evidence
    assert verdicts[b]["unique_host_key"].passed is False and a in verdicts[b]["unique_host_key"].evidence
    assert verdicts[c]["unique_host_key"].passed is True
    assert verdicts[c]["unique_certificate"].passed is None  # none seen: not applicable
    assert all(verdicts[n]["unique_mac"].passed and verdicts[n]["unique_hostname"].passed for n in (a, b, c))


def test_catalog_expectations_follow_the_platform() -> None:
    target = _target()
    assert ssh_banner_fits(target.spec, target.persona.ssh_banner)
    assert http_server_fits(target.spec, target.persona.http_server)
    ubuntu = DISTROS["ubuntu22"].platform
    assert not ssh_banner_fits(target.spec, ubuntu.ssh_banners[0])
    assert not http_server_fits(target.spec, "Apache/2.4.6 (CentOS)")


def test_ports_come_from_the_config_then_the_catalog() -> None:
    assert _target(ssh={"ports": "2222, 2223"}).tcp_ports("ssh") == (2222, 2223)
    assert _target(ssh={"ports": "x, 70000, 22"}).tcp_ports("ssh") == (22,)
    assert _target().tcp_ports("smb") == (445, 139)
    assert _target().tcp_ports("snmp") == ()
    assert _target().declared_ports() == {22, 80}


def test_a_stored_decky_becomes_a_target_and_a_bad_one_raises() -> None:
    spec = _target().spec
    row = Decky(
        name=spec.name, host="h", spec={**spec.model_dump(mode="json"), "_fleet": {"interface": "eth9"}}
    )
    target = target_of(row)
    assert target.name == spec.name and target.interface is None  # local backend: no LAN interface
    with pytest.raises(ValueError):
        target_of(Decky(name="bad", host="h", spec={"name": "bad"}))


def test_score_weights_and_safe_evidence() -> None:
    verdicts = [Verdict("a", True, "", 3), Verdict("b", False, "", 1), Verdict("c", None, "", 5)]
    assert realism_score(verdicts) == 0.75
    assert realism_score([Verdict("c", None, "", 5)]) == 0.0
    assert printable(b"SSH-2.0-x\x1b[31m\x00" + b"A" * 500, 20) == "SSH-2.0-x\\x1b[31m\\x00AAAAA..."
    assert len(Verdict.of("x", True, "e" * 5000).evidence) == 1000


async def test_deckies_on_their_way_up_or_out_are_not_probed() -> None:
    from decnet.prober.runner import Prober

    spec = _target().spec.model_dump(mode="json")
    rows = [
        Decky(name="up", host="h", spec=spec, actual_state="deploying"),
        Decky(name="out", host="h", spec=spec, desired_state="absent", actual_state="running"),
        Decky(name="broken", host="h", spec={"name": "broken"}, actual_state="running"),
    ]
    (report,) = await Prober(runnable={"ssh", "http"}).probe(rows)
    assert report.decky == "broken" and report.flagged and "stored spec is invalid" in report.error
