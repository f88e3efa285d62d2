"""``POST /api/v1/deckies/{name}/mutate`` (admin) and ``GET /api/v1/mutations``: forced and past mutations."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel

from decnet.mutator.apply import MutationOutcome, NotMutable, UnknownDecky, mutate_decky
from decnet.mutator.rotation import MutationImpossible
from decnet.web.api.deps import AUTH_RESPONSES, AdminDep, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.operator import FleetMutationOperator
from decnet.web.schemas import ErrorOut

log = logging.getLogger("decnet.web")

router = APIRouter(tags=["mutations"])

DeckyName = Annotated[str, Path(min_length=1, max_length=255, description="Decky name.")]


class MutationOut(BaseModel):
    """One mutation: the service sets before and after, what triggered it, when."""

    decky: str
    old_services: list[str]
    new_services: list[str]
    trigger: str
    at: datetime


class MutationAccepted(MutationOut):
    """A forced mutation, recorded; the decky's fleet agent applies it asynchronously."""

    version_roll: int


def _accepted(outcome: MutationOutcome) -> MutationAccepted:
    return MutationAccepted(
        decky=outcome.decky,
        old_services=outcome.old_services,
        new_services=outcome.new_services,
        trigger=outcome.trigger,
        at=outcome.at,
        version_roll=outcome.version_roll,
    )


@router.post(
    "/deckies/{name}/mutate",
    summary="Mutate a decky now",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MutationAccepted,
    responses={
        **AUTH_RESPONSES,
        404: {"model": ErrorOut, "description": "No such decky."},
        409: {"model": ErrorOut, "description": "The decky cannot mutate (being removed, or no other set)."},
        502: {"model": ErrorOut, "description": "The fleet operator failed."},
    },
)
async def mutate(name: DeckyName, principal: AdminDep, repo: RepoDep, request: Request) -> MutationAccepted:
    """Rotate the decky's services and re-roll its banner versions now (trigger ``operator``).

    Answers 202 once recorded; the decky's fleet agent redeploys it (same IP, MAC and hostname)
    and the mutation shows in ``GET /api/v1/mutations`` with a ``decky_mutated`` event.
    """
    operator = getattr(request.app.state, "fleet_operator", None)
    try:
        if isinstance(operator, FleetMutationOperator):
            outcome = await operator.mutate(name)
        else:  # recorded here; the decky's agent applies it on its next pass
            outcome = await mutate_decky(repo, name, "operator")
    except UnknownDecky:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such decky") from None
    except (NotMutable, MutationImpossible) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from None
    except Exception as error:
        log.error("the fleet operator failed to mutate a decky: %s", type(error).__name__)
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail="fleet operator error") from None
    log.info("account %r mutated decky %s: %s", principal.username, name, ",".join(outcome.new_services))
    return _accepted(outcome)


@router.get(
    "/mutations", summary="Past mutations", response_model=list[MutationOut], responses=AUTH_RESPONSES
)
async def list_mutations(
    _: ViewerDep,
    repo: RepoDep,
    decky: Annotated[str | None, Query(max_length=255, description="Only this decky.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[MutationOut]:
    """The newest mutations first (optionally of one decky)."""
    rows = await repo.list_mutations(decky=decky, limit=limit)
    return [
        MutationOut(
            decky=r.decky,
            old_services=r.old_services,
            new_services=r.new_services,
            trigger=r.trigger,
            at=r.at,
        )
        for r in rows
    ]
