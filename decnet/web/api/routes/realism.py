"""``/api/v1/realism`` and ``/api/v1/deckies/{name}/realism``: the prober's latest verdicts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field

from decnet.prober.store import RealismSummary, latest_detail, latest_summaries
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.schemas import ErrorOut

router = APIRouter(tags=["realism"])

DeckyName = Annotated[str, Path(min_length=1, max_length=255, description="Decky name.")]


class RealismOut(BaseModel):
    """A decky's latest realism score (``checked_at`` null: never probed yet)."""

    decky: str
    checked_at: datetime | None
    score: float | None = Field(description="Weighted share of applicable checks that passed, 0-1.")
    flagged: bool = Field(description="True if any check failed (or the decky could not be probed).")
    failed: list[str] = Field(description="Names of the failed checks.")
    skipped: dict[str, str] = Field(description="Checks that did not apply, with the reason.")
    error: str = ""


class CheckOut(BaseModel):
    """One check of the latest pass; ``evidence`` is what the prober saw (data, never markup)."""

    check: str
    passed: bool
    evidence: str


class RealismDetailOut(RealismOut):
    """A decky's latest pass: its score and every check."""

    checks: list[CheckOut]


def _out(summary: RealismSummary) -> RealismOut:
    return RealismOut(
        decky=summary.decky,
        checked_at=summary.checked_at,
        score=summary.score,
        flagged=summary.flagged,
        failed=summary.failed,
        skipped=summary.skipped,
        error=summary.error,
    )


@router.get(
    "/realism", summary="Realism of every decky", response_model=list[RealismOut], responses=AUTH_RESPONSES
)
async def fleet_realism(_: ViewerDep, repo: RepoDep) -> list[RealismOut]:
    """Every decky's latest realism score and failed checks, by name (unprobed ones with nulls)."""
    summaries = {s.decky: s for s in await latest_summaries(repo)}
    out = []
    for decky in await repo.list_deckies():
        summary = summaries.get(decky.name)
        if summary is None:
            out.append(
                RealismOut(
                    decky=decky.name, checked_at=None, score=None, flagged=False, failed=[], skipped={}
                )
            )
        else:
            out.append(_out(summary))
    return out


@router.get(
    "/deckies/{name}/realism",
    summary="Realism checks of one decky",
    response_model=RealismDetailOut,
    responses={
        **AUTH_RESPONSES,
        404: {"model": ErrorOut, "description": "No such decky, or not probed yet."},
    },
)
async def decky_realism(name: DeckyName, _: ViewerDep, repo: RepoDep) -> RealismDetailOut:
    """The latest prober pass of one decky: score, flag and every check with its evidence."""
    detail = await latest_detail(repo, name)
    if detail is None:
        known = await repo.get_decky(name) is not None
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="not probed yet" if known else "no such decky")
    base = _out(detail.summary)
    checks = [CheckOut(check=c.check, passed=c.passed, evidence=c.evidence) for c in detail.checks]
    return RealismDetailOut(**base.model_dump(), checks=checks)
