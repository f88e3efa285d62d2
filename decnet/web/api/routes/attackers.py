"""``/api/v1/attackers``: profiled attackers (sorted, filtered, paged), one in full, and exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import JSONResponse, StreamingResponse

from decnet.intel import queries
from decnet.intel.export import attacker_line, stix_bundle
from decnet.intel.views import AttackerDetail, AttackerPage
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.schemas import ErrorOut

router = APIRouter(tags=["attackers"])

#: Largest page.
MAX_LIMIT = 500

BehaviourQuery = Annotated[
    str | None,
    Query(
        max_length=32,
        description="Behaviour class: scanner, brute_forcer, credential_stuffer, interactive_operator, bot, "
        "beaconing, unclassified.",
    ),
]
TechniqueQuery = Annotated[str | None, Query(max_length=16, description="ATT&CK id, e.g. T1110.001.")]
DeckyQuery = Annotated[
    str | None, Query(max_length=255, description="Only attackers that touched this decky.")
]
AttackerKey = Annotated[
    str,
    Path(
        max_length=45, description="The attacker's numeric id, or its address.", pattern=r"^[0-9A-Fa-f.:]+$"
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such attacker."}}


@router.get(
    "/attackers",
    summary="List attackers",
    response_model=AttackerPage,
    responses={
        **AUTH_RESPONSES,
        400: {"model": ErrorOut, "description": "A cursor this API did not hand out."},
    },
)
async def list_attackers(
    _: ViewerDep,
    repo: RepoDep,
    sort: Annotated[
        queries.Sort, Query(description="score (highest first) or last_seen (newest first).")
    ] = "score",
    behaviour: BehaviourQuery = None,
    technique: TechniqueQuery = None,
    decky: DeckyQuery = None,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 50,
) -> AttackerPage:
    """Attackers matching every filter, ``limit`` at a time; follow ``next_cursor`` (null: last page)."""
    try:
        return await queries.list_attackers(
            repo, sort=sort, behaviour=behaviour, technique=technique, decky=decky, cursor=cursor, limit=limit
        )
    except queries.BadCursor as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="bad cursor") from error


@router.get(
    "/attackers/export.jsonl",
    summary="Export attackers as JSON lines",
    response_class=StreamingResponse,
    responses={
        **AUTH_RESPONSES,
        200: {
            "content": {"application/x-ndjson": {}},
            "description": "One attacker per line, highest score first.",
        },
    },
)
async def export_attackers(
    _: ViewerDep,
    repo: RepoDep,
    behaviour: BehaviourQuery = None,
    technique: TechniqueQuery = None,
    decky: DeckyQuery = None,
) -> StreamingResponse:
    """Every matching attacker as one JSON object per line: totals, class, phase, techniques, tools, score
    and its reasons, timing."""

    async def lines() -> AsyncIterator[bytes]:
        async for row in queries.iter_attackers(repo, behaviour=behaviour, technique=technique, decky=decky):
            yield (attacker_line(row) + "\n").encode()

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="attackers.jsonl"'},
    )


@router.get(
    "/attackers/{id}",
    summary="One attacker in full",
    response_model=AttackerDetail,
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
async def get_attacker(_: ViewerDep, repo: RepoDep, id: AttackerKey) -> AttackerDetail:
    """Profile (classes, timing, tools, techniques, phase, score and reasons), timeline (newest events),
    sessions, credentials, techniques with their evidence, traversal across deckies and profile history."""
    detail = await queries.get_attacker(repo, id)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such attacker")
    return detail


@router.get(
    "/attackers/{id}/stix",
    summary="One attacker as a STIX 2.1 bundle",
    response_class=JSONResponse,
    responses={
        **AUTH_RESPONSES,
        **NOT_FOUND,
        200: {
            "content": {"application/stix+json;version=2.1": {}},
            "description": "A STIX 2.1 bundle: identity, address, observed-data, indicator, attack-patterns, "
            "relationships.",
        },
    },
)
async def attacker_stix(_: ViewerDep, repo: RepoDep, id: AttackerKey) -> JSONResponse:
    """The attacker's address, indicator and ATT&CK attack patterns as a STIX 2.1 bundle."""
    async with repo.transaction() as conn:
        row = await queries.attacker_row(conn, id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such attacker")
    return JSONResponse(stix_bundle(row), media_type="application/stix+json;version=2.1")
