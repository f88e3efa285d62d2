"""One prober pass: every check of every decky, then the fleet-wide ones.

Per decky: each declared TCP port open (``port_open:<slug>``); each service's own check
(``banner:<slug>``) or, for a service with a package but no check, ``answers:<slug>``; a sample
of common undeclared ports closed with RST (``closed_ports``); the SYN-ACK against the OS profile
(``tcp_stack``); every banner seen naming the persona's OS family (``os_family``). Then, across
the fleet, ``unique_host_key``, ``unique_certificate``, ``unique_hostname`` and ``unique_mac``.
Everything is bounded in time; a decky that cannot be probed is reported, not raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import decnet.prober.snmp  # noqa: F401  (registers the UDP check of snmp)
from decnet.db.models import Decky
from decnet.engine.hairpin import hairpin_name
from decnet.engine.iproute import link_exists
from decnet.fleet.personas import banner_os_families
from decnet.mutator.rotation import runnable_services
from decnet.prober import stack
from decnet.prober.fleet import uniqueness
from decnet.prober.net import port_state
from decnet.prober.score import DeckyReport
from decnet.prober.services import UDP_CHECKS, ServiceProbe, check_for
from decnet.prober.target import ProbeTarget, target_of
from decnet.prober.verdict import Observation, Verdict

log = logging.getLogger("decnet.prober")

#: Undeclared ports sampled for the ``closed_ports`` check (the ones scanners try first).
COMMON_PORTS: tuple[int, ...] = (
    21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995,
    1433, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 27017,
)  # fmt: skip
PORT_WEIGHT = 2
#: Actual states of a decky on its way up (a deploy or a mutation): not probed in that pass.
TRANSITIONAL = frozenset({"deploying", "pending"})
CLOSED_WEIGHT = 2
FAMILY_WEIGHT = 3


@dataclass(frozen=True, slots=True)
class ProberConfig:
    """Limits of a pass."""

    timeout: float = 3.0  #: per connection / read
    closed_ports: tuple[int, ...] = COMMON_PORTS
    concurrency: int = 8  #: deckies probed at once
    raw: bool | None = None  #: SYN-ACK check with raw sockets; None: when running as root


class Prober:
    """Runs realism checks against deckies (see the module docstring)."""

    def __init__(self, config: ProberConfig | None = None, runnable: Collection[str] | None = None) -> None:
        self.config = config or ProberConfig()
        self.runnable = set(runnable) if runnable is not None else runnable_services()
        self.raw = stack.can_send_raw() if self.config.raw is None else self.config.raw

    async def probe(self, rows: Sequence[Decky]) -> list[DeckyReport]:
        """Probe every decky of ``rows`` that should be running and is not on its way up; one report
        each, by name."""
        reports: dict[str, DeckyReport] = {}
        targets: list[ProbeTarget] = []
        for row in rows:
            if row.desired_state != "running" or row.actual_state in TRANSITIONAL:
                continue  # being removed, or being (re)deployed: judged on a later pass
            try:
                targets.append(target_of(row))
            except (KeyError, ValueError) as exc:
                reports[row.name] = DeckyReport(row.name, error=f"stored spec is invalid: {exc}")
        observations = {t.name: Observation() for t in targets}
        gate = asyncio.Semaphore(max(1, self.config.concurrency))

        async def one(target: ProbeTarget) -> None:
            async with gate:
                report = DeckyReport(target.name)
                try:
                    report.verdicts = await self.probe_decky(target, observations[target.name])
                except Exception as exc:  # a check that breaks must not stop the pass
                    log.exception("probing %s failed", target.name)
                    report.error = f"{type(exc).__name__}: {exc}"
                reports[target.name] = report

        await asyncio.gather(*(one(t) for t in targets))
        for name, verdicts in uniqueness(targets, observations).items():
            reports[name].verdicts.extend(verdicts)
        return [reports[name] for name in sorted(reports)]

    async def probe_decky(self, target: ProbeTarget, observation: Observation) -> list[Verdict]:
        """Every per-decky check of ``target``."""
        verdicts: list[Verdict] = []
        timeout = self.config.timeout
        for slug in target.spec.services:
            ports = target.tcp_ports(slug)
            if ports:
                states = await asyncio.gather(*(port_state(target.ip, p, timeout) for p in ports))
                closed = [f"{p} {s}" for p, s in zip(ports, states, strict=True) if s != "open"]
                evidence = (
                    "not open: " + ", ".join(closed) if closed else f"open: {', '.join(map(str, ports))}"
                )
                verdicts.append(Verdict.of(f"port_open:{slug}", not closed, evidence, PORT_WEIGHT))
            else:
                verdicts.append(Verdict.of(f"port_open:{slug}", None, "UDP only: no handshake", PORT_WEIGHT))
            check = check_for(slug, self.runnable)
            probed = target.udp_ports(slug) if slug in UDP_CHECKS else ports
            if check is not None and probed:
                verdicts.extend(await check(ServiceProbe(target, slug, probed, observation, timeout)))
        verdicts.append(await self._closed_ports(target))
        verdicts.append(await self._stack(target))
        verdicts.append(self._os_family(target, observation))
        return verdicts

    async def _closed_ports(self, target: ProbeTarget) -> Verdict:
        sample = sorted(set(self.config.closed_ports) - target.declared_ports())
        if not sample:
            return Verdict.of("closed_ports", None, "no undeclared port sampled", CLOSED_WEIGHT)
        states = await asyncio.gather(*(port_state(target.ip, p, self.config.timeout) for p in sample))
        bad = [f"{p} {s}" for p, s in zip(sample, states, strict=True) if s != "closed"]
        if bad:
            return Verdict.of(
                "closed_ports", False, "undeclared ports not closed: " + ", ".join(bad), CLOSED_WEIGHT
            )
        return Verdict.of("closed_ports", True, f"{len(sample)} undeclared ports answer RST", CLOSED_WEIGHT)

    async def _stack(self, target: ProbeTarget) -> Verdict:
        if target.interface is None:
            return stack.unavailable("local backend: the host's own stack answers (no OS profile)")
        if target.link_kind != "macvlan":
            return stack.unavailable("ipvlan: deckies share the parent's MAC; not probed")
        if not self.raw:
            return stack.unavailable("raw sockets need root")
        iface = hairpin_name(target.interface)
        if not await asyncio.to_thread(link_exists, iface):
            return stack.unavailable(f"no hairpin interface {iface} on this host")
        ports = sorted(target.declared_ports())
        if not ports:
            return stack.unavailable("no TCP port declared")
        reply = await asyncio.to_thread(stack.send_syn, iface, target.spec.mac, target.ip, ports[0])
        if reply is None:
            return Verdict.of(stack.CHECK, False, f"no SYN-ACK from port {ports[0]}", stack.STACK_WEIGHT)
        return stack.judge(target.spec.os_profile, reply, ports[0])

    @staticmethod
    def _os_family(target: ProbeTarget, observation: Observation) -> Verdict:
        family = target.persona.os_family
        if not observation.banners:
            return Verdict.of("os_family", None, "no banner observed", FAMILY_WEIGHT)
        wrong = {
            where: sorted(banner_os_families(text) - {family})
            for where, text in observation.banners.items()
            if banner_os_families(text) - {family}
        }
        if wrong:
            listed = "; ".join(f"{where} names {','.join(fams)}" for where, fams in sorted(wrong.items()))
            return Verdict.of("os_family", False, f"profile {family}, but {listed}", FAMILY_WEIGHT)
        return Verdict.of(
            "os_family", True, f"{len(observation.banners)} banners consistent with {family}", FAMILY_WEIGHT
        )
