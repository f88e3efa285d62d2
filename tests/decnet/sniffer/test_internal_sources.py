"""Scan detection ignores DECNET's own sources: the prober's, the recorded hairpins, the setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.db import SQLModelRepository, get_repository
from decnet.fleet.internal import PROBER_SOURCE, InternalSources
from decnet.sniffer.config import SnifferConfig
from decnet.sniffer.scan import ScanDetector
from decnet.sniffer.service import Sniffer
from tests.decnet.sniffer import frames

CONFIG = SnifferConfig(scan_window_s=10, scan_ports=5, scan_deckies=3, max_sources=4, max_targets=100)
HAIRPIN = "10.77.0.2"
ATTACKER = "203.0.113.8"


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SQLModelRepository]:
    repository = get_repository(Settings(data_dir=tmp_path))
    await repository.initialize()
    try:
        yield repository
    finally:
        await repository.close()


def _sweep(scans: ScanDetector, src: str, now: float) -> None:
    for port in range(20, 45):  # the prober's closed-port sample looks like this
        scans.syn(src, "10.77.0.10", port, None, now)
        scans.answer("10.77.0.10", port, src, opened=False)


def test_internal_sources_never_make_a_scan() -> None:
    scans = ScanDetector(CONFIG)
    scans.internal = InternalSources.of([HAIRPIN], "192.0.2.0/24")
    for src in (HAIRPIN, PROBER_SOURCE, "192.0.2.77", ATTACKER):
        _sweep(scans, src, 100.0)
    reports = scans.tick(111.0)
    assert [r.src for r in reports] == [ATTACKER]
    assert scans.internal_syns == 75 and set(scans.sources) == set()


def test_a_window_begun_before_the_source_was_known_is_not_reported() -> None:
    scans = ScanDetector(CONFIG)
    _sweep(scans, HAIRPIN, 100.0)  # before the first refresh of the decky table
    scans.internal = InternalSources.of([HAIRPIN])
    assert scans.tick(111.0) == []


async def test_the_sniffer_loads_hairpins_and_the_setting(repo: SQLModelRepository) -> None:
    await repo.upsert_decky(
        "lan-01", host="h1", spec={"_fleet": {"hairpin_ip": HAIRPIN}}, ip=frames.DECKY, backend="netns"
    )
    sniffer = Sniffer("lo", repo, SnifferConfig(scan_ports=3, scan_window_s=0.01), internal="198.51.100.0/24")
    assert "198.51.100.4" in sniffer.analyzer.scans.internal  # before the first refresh already
    assert HAIRPIN not in sniffer.analyzer.scans.internal
    await sniffer.step()  # the first step refreshes the deckies
    assert HAIRPIN in sniffer.analyzer.scans.internal
    for src in (HAIRPIN, PROBER_SOURCE, "198.51.100.4", ATTACKER):
        for port in range(1, 6):
            sniffer.analyzer.feed(frames.syn(src=src, dport=port), 1.0)
    await sniffer.flush()
    stored = await repo.events_after(0, 10)
    assert [s.event.src_ip for s in stored] == [ATTACKER]
    assert sniffer.counters()["internal_syns"] == 15


def test_a_bad_setting_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Sniffer("lo", get_repository(Settings(data_dir=tmp_path)), internal="10.0.0.0/40")
