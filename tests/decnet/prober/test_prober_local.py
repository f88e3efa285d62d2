"""The prober against real local deckies: a healthy fleet passes, broken deckies are flagged."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from decnet.fleet.personas import derive_persona
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import FleetSpec
from decnet.prober.runner import Prober, ProberConfig
from decnet.prober.score import DeckyReport
from decnet.prober.store import latest_detail, latest_summaries, store_reports

from .conftest import Fleet

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="deckies bind ports 22/80/443 on 127.x (root)")

#: Undeclared ports sampled (loopback ports the host itself is unlikely to hold on 0.0.0.0).
SAMPLE = (23, 25, 110, 143, 3389, 5900, 9200)
CONFIG = ProberConfig(timeout=3.0, closed_ports=SAMPLE)


def _healthy() -> FleetSpec:
    return plan_fleet(
        deckies=3,
        subnet="127.82.0.0/24",
        ip_start="127.82.0.10",
        services="ssh,http,https,snmp",
        distros="ubuntu22,debian,rocky9",
        seed="61" * 32,
        backend="local",
        name_prefix="good",
    )


def _by_check(report: DeckyReport) -> dict[str, bool | None]:
    return {v.check: v.passed for v in report.verdicts}


@contextmanager
def _listener(ip: str, port: int) -> Iterator[None]:
    import socket

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((ip, port))
    sock.listen()
    try:
        yield
    finally:
        sock.close()


async def test_a_healthy_fleet_passes_every_check(deckies: Fleet) -> None:
    fleet = _healthy()
    await deckies.deploy(fleet)
    reports = await Prober(CONFIG).probe(await deckies.repo.list_deckies())
    assert [r.decky for r in reports] == [d.name for d in fleet.deckies]
    for report in reports:
        assert not report.failed, [(v.check, v.evidence) for v in report.failed]
        assert report.score == 1.0 and not report.flagged
        checks = _by_check(report)
        for name in (
            "port_open:ssh",
            "banner:snmp",
            "banner:ssh",
            "banner:http",
            "banner:https",
            "closed_ports",
            "os_family",
        ):
            assert checks[name] is True, name
        for name in ("unique_host_key", "unique_certificate", "unique_hostname", "unique_mac"):
            assert checks[name] is True, name
        assert checks["port_open:snmp"] is None  # UDP: no handshake to check
        assert checks["tcp_stack"] is None  # the local backend has no OS profile on the wire
    evidence = {v.check: v.evidence for v in reports[0].verdicts}
    assert derive_persona(fleet.deckies[0]).ssh_banner in evidence["banner:ssh"]


async def test_broken_deckies_are_flagged_with_evidence(deckies: Fleet) -> None:
    good = _healthy()
    centos_on_ubuntu = plan_fleet(
        deckies=1,
        subnet="127.82.0.0/24",
        ip_start="127.82.0.30",
        services="http",
        distros="ubuntu22",
        seed="62" * 32,
        backend="local",
        name_prefix="wrongdistro",
    )
    iis_on_linux = plan_fleet(
        deckies=1,
        subnet="127.82.0.0/24",
        ip_start="127.82.0.31",
        services="ssh,http",
        distros="debian",
        seed="63" * 32,
        backend="local",
        name_prefix="wrongfamily",
    )
    for fleet, header in ((centos_on_ubuntu, "Apache/2.4.6 (CentOS)"), (iis_on_linux, "Microsoft-IIS/10.0")):
        spec = fleet.deckies[0]
        fleet.deckies[0] = spec.model_copy(update={"service_config": {"http": {"server_header": header}}})
    for fleet in (good, centos_on_ubuntu, iis_on_linux):
        await deckies.deploy(fleet)
    extra = iis_on_linux.deckies[0].ip
    with _listener(extra, 5900):
        reports = {r.decky: r for r in await Prober(CONFIG).probe(await deckies.repo.list_deckies())}
    for spec in good.deckies:
        assert not reports[spec.name].flagged, reports[spec.name].failed
    distro = reports["wrongdistro-01"]
    assert distro.flagged and [v.check for v in distro.failed] == ["banner:http"]
    (bad,) = distro.failed
    assert "Apache/2.4.6 (CentOS)" in bad.evidence and "not shipped by linux/ubuntu22" in bad.evidence
    family = reports["wrongfamily-01"]
    failed = {v.check: v.evidence for v in family.failed}
    assert set(failed) == {"banner:http", "closed_ports", "os_family"}
    assert "5900 open" in failed["closed_ports"]
    assert "http:80 names windows" in failed["os_family"]
    assert 0 < family.score < distro.score < 1.0

    at = datetime.now(UTC)
    written = await store_reports(deckies.repo, list(reports.values()), at)
    assert written == sum(len(r.applicable) + 1 for r in reports.values())
    summaries = {s.decky: s for s in await latest_summaries(deckies.repo)}
    assert set(summaries) == set(reports)
    assert summaries["wrongfamily-01"].flagged and summaries["wrongfamily-01"].score == family.score
    assert sorted(summaries["wrongfamily-01"].failed) == sorted(failed)
    assert "tcp_stack" in summaries["good-01"].skipped and not summaries["good-01"].flagged
    detail = await latest_detail(deckies.repo, "wrongdistro-01")
    assert detail is not None
    assert {c.check: c.passed for c in detail.checks}["banner:http"] is False
    # A later pass supersedes the earlier one.
    await asyncio.sleep(0.01)
    fixed = DeckyReport("wrongdistro-01", [v for v in distro.verdicts if v.passed])
    await store_reports(deckies.repo, [fixed], datetime.now(UTC))
    again = await latest_detail(deckies.repo, "wrongdistro-01")
    assert again is not None and not again.summary.flagged and again.summary.score == 1.0
    assert all(c.passed for c in again.checks)


async def test_a_decky_that_is_down_fails_its_ports(deckies: Fleet) -> None:
    fleet = plan_fleet(
        deckies=1,
        subnet="127.82.0.0/24",
        ip_start="127.82.0.40",
        services="http",
        seed="64" * 32,
        backend="local",
        name_prefix="gone",
    )
    await deckies.deploy(fleet)
    await asyncio.to_thread(deckies.engines[0].teardown)
    (report,) = await Prober(CONFIG).probe(await deckies.repo.list_deckies())
    assert report.flagged and report.score < 1.0
    checks = _by_check(report)
    assert checks["port_open:http"] is False and checks["banner:http"] is False
