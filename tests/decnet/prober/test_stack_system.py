"""The TCP/IP stack check against netns deckies on a private test LAN (veth ``dpr*``,
10.232.0.0/24): SYN-ACKs match each OS profile; a decky whose TTL contradicts its profile is flagged."""

from __future__ import annotations

import os

import pytest

from decnet.engine.iproute import run
from decnet.fleet.planner import plan_fleet
from decnet.prober.runner import Prober, ProberConfig

from .conftest import Fleet

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="netns deckies and raw sockets need root")

CONFIG = ProberConfig(timeout=2.0, closed_ports=(23, 3389, 5900))


async def test_syn_acks_match_the_os_profiles_and_a_wrong_ttl_is_flagged(lan: str, deckies: Fleet) -> None:
    profiles = ("linux", "windows", "embedded")
    for index, profile in enumerate(profiles):
        fleet = plan_fleet(
            deckies=1,
            subnet="10.232.0.0/24",
            ip_start=f"10.232.0.{20 + index}",
            services="http",
            os_profile=profile,
            backend="netns",
            interface=lan,
            seed=f"{71 + index:02x}" * 32,
            name_prefix=f"dpr{profile[:3]}",
        )
        await deckies.deploy(fleet, hairpin_ip="10.232.0.2")
    rows = await deckies.repo.list_deckies()
    reports = {r.decky: r for r in await Prober(CONFIG).probe(rows)}
    evidence = {}
    for name, report in reports.items():
        stack = next(v for v in report.verdicts if v.check == "tcp_stack")
        evidence[name] = stack.evidence
        assert stack.passed is True, stack.evidence
    assert "TTL 64" in evidence["dprlin-01"] and "Timestamp" in evidence["dprlin-01"]
    assert "TTL 128" in evidence["dprwin-01"]
    assert "TTL 255" in evidence["dpremb-01"] and "Timestamp" not in evidence["dpremb-01"]

    # The Windows decky's kernel now answers like Linux: TTL 64 contradicts its profile.
    run("ip", "netns", "exec", "decnet-dprwin-01", "sysctl", "-q", "-w", "net.ipv4.ip_default_ttl=64")
    reports = {r.decky: r for r in await Prober(CONFIG).probe(rows)}
    broken = reports["dprwin-01"]
    assert [v.check for v in broken.failed] == ["tcp_stack"]
    assert "TTL 64, profile 128" in broken.failed[0].evidence
    assert broken.flagged and broken.score < 1.0
    assert not reports["dprlin-01"].flagged and not reports["dpremb-01"].flagged
