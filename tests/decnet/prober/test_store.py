"""Prober results in the repository: the latest pass per decky, and pruning of old passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from decnet.config import Settings
from decnet.db import get_repository
from decnet.db.repository import SQLModelRepository
from decnet.prober.score import DeckyReport
from decnet.prober.store import SUMMARY_CHECK, latest_detail, latest_summaries, prune, store_reports
from decnet.prober.verdict import Verdict

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SQLModelRepository]:
    store = get_repository(Settings(data_dir=tmp_path))
    await store.initialize()
    try:
        yield store
    finally:
        await store.close()


def _report(decky: str, ok: bool) -> DeckyReport:
    return DeckyReport(
        decky, [Verdict("port_open:http", True, "open: 80", 2), Verdict("banner:http", ok, "x", 3)]
    )


async def test_old_passes_are_pruned_and_the_latest_always_stays(repo: SQLModelRepository) -> None:
    for at, ok in ((T0, False), (T0 + timedelta(hours=2), True), (T0 + timedelta(days=2), True)):
        await store_reports(repo, [_report("a", ok)], at)
    await store_reports(repo, [_report("old", False)], T0 - timedelta(days=40))
    now = T0 + timedelta(days=2, minutes=1)
    deleted = await prune(repo, now)
    assert deleted == 4  # the per-check rows of a's first two passes
    rows = await repo.list_probe_results(decky="a", limit=100)
    assert [(r.check_name, r.checked_at) for r in rows if r.check_name != SUMMARY_CHECK] == [
        ("banner:http", T0 + timedelta(days=2)),
        ("port_open:http", T0 + timedelta(days=2)),
    ]
    assert len([r for r in rows if r.check_name == SUMMARY_CHECK]) == 3  # history of scores kept
    old = await latest_detail(repo, "old")
    assert old is not None and old.summary.flagged and len(old.checks) == 2  # only pass: kept
    assert await prune(repo, now + timedelta(days=40)) == 2  # a's older summaries go after 30 days
    summaries = {s.decky: s for s in await latest_summaries(repo)}
    assert summaries["a"].checked_at == T0 + timedelta(days=2) and not summaries["a"].flagged


async def test_a_summary_with_bad_evidence_still_reads(repo: SQLModelRepository) -> None:
    from decnet.db.models import ProbeResult

    await repo.add_probe_results(
        [ProbeResult(decky="z", check_name=SUMMARY_CHECK, passed=False, evidence="not json", checked_at=T0)]
    )
    (summary,) = await latest_summaries(repo)
    assert (summary.decky, summary.score, summary.flagged, summary.failed) == ("z", 0.0, True, [])
