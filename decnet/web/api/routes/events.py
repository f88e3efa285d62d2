"""``/api/v1/events``: stored events, filtered, with cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.queries import EventFilter, query_events
from decnet.web.schemas import EventPage

router = APIRouter(tags=["events"])

#: Largest page.
MAX_LIMIT = 1000


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get("/events", summary="List events", response_model=EventPage, responses=AUTH_RESPONSES)
async def list_events(
    _: ViewerDep,
    repo: RepoDep,
    decky: Annotated[str | None, Query(max_length=255, description="Decky name.")] = None,
    service: Annotated[str | None, Query(max_length=48, description="Service slug (ssh, http, ...).")] = None,
    event_type: Annotated[str | None, Query(max_length=32, description="connect, auth, command, ...")] = None,
    src_ip: Annotated[str | None, Query(max_length=45, description="Source address.")] = None,
    since: Annotated[
        datetime | None, Query(description="ISO 8601; events at or after (UTC if no offset).")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="ISO 8601; events at or before (UTC if no offset).")
    ] = None,
    after: Annotated[int, Query(ge=0, description="Cursor: only events with a larger id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 100,
) -> EventPage:
    """Events matching every given filter, in id (storage) order, ``limit`` at a time.

    Follow ``next_after`` as ``after`` to read the next page; it is null on the last one.
    """
    where = EventFilter(decky, service, event_type, src_ip, _utc(since), _utc(until))
    items, next_after = await query_events(repo, where, after=after, limit=limit)
    return EventPage(items=items, next_after=next_after)
