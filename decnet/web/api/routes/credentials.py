"""``/api/v1/credentials``: captured credentials with the reuse of each secret."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from decnet.intel import queries
from decnet.intel.views import CredentialPage
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.api.routes.events import MAX_ID
from decnet.web.deps import RepoDep

router = APIRouter(tags=["attackers"])

#: Largest page.
MAX_LIMIT = 1000


@router.get(
    "/credentials", summary="List credentials", response_model=CredentialPage, responses=AUTH_RESPONSES
)
async def list_credentials(
    _: ViewerDep,
    repo: RepoDep,
    service: Annotated[str | None, Query(max_length=48, description="Service slug.")] = None,
    decky: Annotated[str | None, Query(max_length=255, description="Decky name.")] = None,
    principal: Annotated[str | None, Query(max_length=512, description="Username tried.")] = None,
    reused: Annotated[
        bool | None,
        Query(description="true: only secrets tried on two deckies or services or more; false: others."),
    ] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Cursor: only credentials with larger ids.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 100,
) -> CredentialPage:
    """Credentials (principal, secret and its kind, service, decky, attempts, first/last seen) in id order,
    each with where else its secret was tried; follow ``next_after`` as ``after``."""
    return await queries.list_credentials(
        repo, service=service, decky=decky, principal=principal, reused=reused, after=after, limit=limit
    )
