"""FastAPI dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from decnet.db.repository import SQLModelRepository


def get_repo(request: Request) -> SQLModelRepository:
    """The repository the app factory stored on ``app.state.repo``; 503 while there is none."""
    repo = getattr(request.app.state, "repo", None)
    if repo is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="storage is not ready")
    if not isinstance(repo, SQLModelRepository):
        raise TypeError(f"app.state.repo must be a SQLModelRepository, not {type(repo).__name__}")
    return repo


#: Annotated parameter type for routes: ``async def route(repo: RepoDep) -> ...``.
RepoDep = Annotated[SQLModelRepository, Depends(get_repo)]
