"""``/api/v1/sessions/{id}``: one attacker session with its command transcript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status

from decnet.intel import queries
from decnet.intel.views import SessionDetail
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.api.routes.events import MAX_ID
from decnet.web.deps import RepoDep
from decnet.web.schemas import ErrorOut

router = APIRouter(tags=["attackers"])


@router.get(
    "/sessions/{id}",
    summary="One session",
    response_model=SessionDetail,
    responses={**AUTH_RESPONSES, 404: {"model": ErrorOut, "description": "No such session."}},
)
async def get_session(
    _: ViewerDep, repo: RepoDep, id: Annotated[int, Path(ge=1, le=MAX_ID, description="Session id.")]
) -> SessionDetail:
    """A session (decky, service, times, counts, login) with every command typed, in order."""
    session = await queries.get_session(repo, id)
    if session is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such session")
    return session
