"""FastAPI dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status

from decnet.db.repository import SQLModelRepository


def get_repo(request: Request) -> SQLModelRepository:
    """The repository the app factory stored on ``app.state.repo``; 503 while there is none."""
    repo = getattr(request.app.state, "repo", None)
    if repo is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="storage is not ready")
    return cast(SQLModelRepository, repo)


async def repo_dependency(request: Request) -> SQLModelRepository:
    """:func:`get_repo` as a dependency (async: FastAPI runs plain ``def`` ones in its thread pool)."""
    return get_repo(request)


#: Annotated parameter type for routes: ``async def route(repo: RepoDep) -> ...``.
RepoDep = Annotated[SQLModelRepository, Depends(repo_dependency)]
