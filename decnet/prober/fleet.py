"""Fleet-wide checks: no two deckies share a host key, a certificate, a hostname or a MAC."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from decnet.prober.target import ProbeTarget
from decnet.prober.verdict import Observation, Verdict

UNIQUE_WEIGHT = 2


def _owners(values: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = {}
    for decky, items in values.items():
        for item in items:
            owners.setdefault(item, set()).add(decky)
    return owners


def _verdict(check: str, decky: str, mine: Iterable[str], owners: dict[str, set[str]], what: str) -> Verdict:
    items = sorted(set(mine))
    if not items:
        return Verdict.of(check, None, f"no {what} observed", UNIQUE_WEIGHT)
    shared = sorted({other for item in items for other in owners.get(item, set())} - {decky})
    if shared:
        return Verdict.of(check, False, f"{what} also used by {', '.join(shared)}", UNIQUE_WEIGHT)
    return Verdict.of(check, True, f"{what}: {len(items)} seen, unique in the fleet", UNIQUE_WEIGHT)


def uniqueness(
    targets: Iterable[ProbeTarget], observations: Mapping[str, Observation]
) -> dict[str, list[Verdict]]:
    """Per decky: one verdict each for host keys, certificates, hostname and MAC."""
    targets = list(targets)
    keys = {t.name: observations[t.name].host_keys for t in targets if t.name in observations}
    certs = {t.name: observations[t.name].certificates for t in targets if t.name in observations}
    hostnames = {t.name: {t.spec.hostname.lower()} for t in targets}
    macs = {t.name: {t.spec.mac} for t in targets}
    tables = [
        ("unique_host_key", keys, "SSH host key"),
        ("unique_certificate", certs, "TLS certificate"),
        ("unique_hostname", hostnames, "hostname"),
        ("unique_mac", macs, "MAC"),
    ]
    out: dict[str, list[Verdict]] = {t.name: [] for t in targets}
    for check, values, what in tables:
        owners = _owners(values)
        for target in targets:
            out[target.name].append(_verdict(check, target.name, values.get(target.name, ()), owners, what))
    return out
