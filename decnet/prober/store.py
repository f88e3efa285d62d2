"""Prober results in the repository (table ``probe_result``) and how they are read back.

One pass writes one row per applicable verdict, all stamped with the pass's time, plus one
summary row per decky (``check_name = "realism"``) whose ``passed`` is "not flagged" and whose
evidence is JSON: ``{"score", "flagged", "failed", "skipped", "error"}``. The latest pass of a
decky is the set of its rows with the newest ``checked_at``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select

from decnet.db.models import ProbeResult, probe_result_table
from decnet.db.repository import SQLModelRepository
from decnet.prober.score import DeckyReport

SUMMARY_CHECK = "realism"
#: How long the per-check rows and the summary rows of past passes are kept.
KEEP_CHECKS = timedelta(days=1)
KEEP_SUMMARIES = timedelta(days=30)
#: Most rows read back for one decky's latest pass.
_ROWS_PER_PASS = 1000


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One stored check result."""

    check: str
    passed: bool
    evidence: str


@dataclass(slots=True)
class RealismSummary:
    """A decky's latest realism score."""

    decky: str
    checked_at: datetime
    score: float
    flagged: bool
    failed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    error: str = ""


@dataclass(slots=True)
class RealismDetail:
    """A decky's latest pass: the summary and every check."""

    summary: RealismSummary
    checks: list[CheckRow]


def summary_evidence(report: DeckyReport) -> str:
    """The JSON evidence of a report's summary row."""
    return json.dumps(
        {
            "score": report.score,
            "flagged": report.flagged,
            "failed": [v.check for v in report.failed],
            "skipped": {v.check: v.evidence for v in report.verdicts if v.passed is None},
            "error": report.error,
        },
        sort_keys=True,
    )


async def store_reports(repo: SQLModelRepository, reports: Sequence[DeckyReport], at: datetime) -> int:
    """Store a pass; returns how many rows were written."""
    rows: list[ProbeResult] = []
    for report in reports:
        rows.extend(
            ProbeResult(
                decky=report.decky,
                check_name=v.check,
                passed=bool(v.passed),
                evidence=v.evidence,
                checked_at=at,
            )
            for v in report.applicable
        )
        rows.append(
            ProbeResult(
                decky=report.decky,
                check_name=SUMMARY_CHECK,
                passed=not report.flagged,
                evidence=summary_evidence(report),
                checked_at=at,
            )
        )
    async with repo.transaction() as conn:
        return await repo.add_probe_results(rows, conn=conn)


def _summary(decky: str, checked_at: datetime, evidence: str) -> RealismSummary:
    try:
        data: Any = json.loads(evidence)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    score = data.get("score")
    failed = data.get("failed")
    skipped = data.get("skipped")
    return RealismSummary(
        decky=decky,
        checked_at=checked_at,
        score=float(score) if isinstance(score, int | float) else 0.0,
        flagged=bool(data.get("flagged", True)),
        failed=[str(x) for x in failed] if isinstance(failed, list) else [],
        skipped={str(k): str(v) for k, v in skipped.items()} if isinstance(skipped, dict) else {},
        error=str(data.get("error") or ""),
    )


async def latest_summaries(repo: SQLModelRepository) -> list[RealismSummary]:
    """The latest summary of every decky ever probed, by name."""
    t = probe_result_table
    newest = (
        select(t.c.decky, func.max(t.c.checked_at).label("at"))
        .where(t.c.check_name == SUMMARY_CHECK)
        .group_by(t.c.decky)
        .subquery()
    )
    stmt = (
        select(t.c.decky, t.c.checked_at, t.c.evidence, t.c.id)
        .join(newest, and_(t.c.decky == newest.c.decky, t.c.checked_at == newest.c.at))
        .where(t.c.check_name == SUMMARY_CHECK)
        .order_by(t.c.decky, t.c.id.desc())
    )
    out: dict[str, RealismSummary] = {}
    async with repo.transaction() as conn:
        for decky, checked_at, evidence, _ in await conn.execute(stmt):
            out.setdefault(decky, _summary(decky, checked_at, evidence))
    return list(out.values())


async def latest_detail(repo: SQLModelRepository, decky: str) -> RealismDetail | None:
    """The latest pass of ``decky`` (None if it was never probed)."""
    rows = await repo.list_probe_results(decky=decky, limit=_ROWS_PER_PASS)
    summary_row = next((r for r in rows if r.check_name == SUMMARY_CHECK), None)
    if summary_row is None:
        return None
    at = summary_row.checked_at
    checks = [
        CheckRow(r.check_name, r.passed, r.evidence)
        for r in reversed(rows)
        if r.checked_at == at and r.check_name != SUMMARY_CHECK
    ]
    return RealismDetail(_summary(decky, at, summary_row.evidence), checks)


async def prune(
    repo: SQLModelRepository,
    now: datetime,
    *,
    keep_checks: timedelta = KEEP_CHECKS,
    keep_summaries: timedelta = KEEP_SUMMARIES,
) -> int:
    """Delete per-check rows older than ``keep_checks`` and summaries older than ``keep_summaries``
    (a pass every 5 minutes would otherwise grow the table without bound); returns rows deleted.

    The latest pass of each decky is kept whatever its age.
    """
    t = probe_result_table
    deleted = 0
    async with repo.transaction() as conn:
        grouped = await conn.execute(select(t.c.decky, func.max(t.c.checked_at)).group_by(t.c.decky))
        latest: dict[str, datetime] = {decky: newest for decky, newest in grouped}
        for decky, newest in latest.items():
            stmt = delete(t).where(
                t.c.decky == decky,
                t.c.checked_at < newest,
                or_(
                    and_(t.c.check_name != SUMMARY_CHECK, t.c.checked_at < now - keep_checks),
                    and_(t.c.check_name == SUMMARY_CHECK, t.c.checked_at < now - keep_summaries),
                ),
            )
            deleted += (await conn.execute(stmt)).rowcount or 0
    return deleted
