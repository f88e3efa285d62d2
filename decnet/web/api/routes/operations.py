"""``/api/v1/operations``: status of asynchronous fleet operations (deploy, teardown, mutate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from decnet.db.models import Operation
from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.operations import get_operation, list_operations
from decnet.web.schemas import ErrorOut, OperationOut

router = APIRouter(prefix="/operations", tags=["operations"])


def operation_out(op: Operation) -> OperationOut:
    """The API view of an operation."""
    return OperationOut.model_validate(op.model_dump())


@router.get("", summary="Recent operations", response_model=list[OperationOut], responses=AUTH_RESPONSES)
async def recent_operations(
    _: ViewerDep, repo: RepoDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[OperationOut]:
    """The newest operations first, as last assessed (read one to bring it up to date)."""
    return [operation_out(op) for op in await list_operations(repo, limit)]


@router.get(
    "/{op_id}",
    summary="One operation's status",
    response_model=OperationOut,
    responses={**AUTH_RESPONSES, 404: {"model": ErrorOut, "description": "No such operation."}},
)
async def operation_status(
    op_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], _: ViewerDep, repo: RepoDep
) -> OperationOut:
    """State (queued, running, succeeded, failed), progress from the deckies' actual states, error."""
    op = await get_operation(repo, op_id)
    if op is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such operation")
    return operation_out(op)
