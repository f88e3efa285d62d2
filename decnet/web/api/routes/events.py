"""``/api/v1/events``: stored events, searched, with cursor pagination, and their CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from decnet.web.api.deps import AUTH_RESPONSES, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.queries import EventFilter, query_events
from decnet.web.schemas import EventOut, EventPage

router = APIRouter(tags=["events"])

#: Largest page.
MAX_LIMIT = 1000
#: Largest id a cursor may name (BIGINT).
MAX_ID = 2**63 - 1
#: Most rows of one CSV export.
MAX_EXPORT_ROWS = 100_000
#: Columns of the CSV export.
CSV_COLUMNS = (
    "id",
    "eid",
    "timestamp",
    "received_at",
    "decky",
    "service",
    "event_type",
    "src_ip",
    "src_port",
    "sid",
    "message",
    "fields",
)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def event_filter(
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
    q: Annotated[
        str | None,
        Query(max_length=200, description="Free text: substring of the message, fields or source address."),
    ] = None,
) -> EventFilter:
    """The event filter of the query string (async: FastAPI would run a plain ``def`` in its thread pool)."""
    return EventFilter(decky, service, event_type, src_ip, _utc(since), _utc(until), q or None)


FilterDep = Annotated[EventFilter, Depends(event_filter)]


@router.get("/events", summary="Search events", response_model=EventPage, responses=AUTH_RESPONSES)
async def list_events(
    _: ViewerDep,
    repo: RepoDep,
    where: FilterDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Cursor: only events with a larger id.")] = 0,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Cursor: only events with a smaller id, newest first.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 100,
) -> EventPage:
    """Events matching every given filter, ``limit`` at a time.

    Oldest first: follow ``next_after`` as ``after``. Newest first: pass ``before`` (e.g. a
    very large number for the newest page) and follow ``next_before``. A null cursor means no
    further page.
    """
    items, cursor = await query_events(repo, where, after=after, limit=limit, before=before)
    if before is not None:
        return EventPage(items=items, next_after=None, next_before=cursor)
    return EventPage(items=items, next_after=cursor)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """``value`` as a CSV cell that spreadsheets do not evaluate (a leading ``'`` before formulas)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(event: EventOut) -> list[str]:
    data = event.model_dump(mode="json")
    return [
        csv_cell(data[c]) if c != "fields" else csv_cell(event.model_dump_json(include={"fields"}))
        for c in CSV_COLUMNS
    ]


@router.get(
    "/events.csv",
    summary="Export events as CSV",
    response_class=StreamingResponse,
    responses={
        **AUTH_RESPONSES,
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "CSV, one event per row.",
        },
    },
)
async def export_events(
    _: ViewerDep,
    repo: RepoDep,
    where: FilterDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Only events with a larger id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_EXPORT_ROWS, description="Most rows.")] = 10_000,
) -> StreamingResponse:
    """Matching events in id order as CSV (header row first). Cells that a spreadsheet would
    evaluate as a formula are prefixed with ``'``."""

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        cursor: int | None = after
        left = limit
        while cursor is not None and left > 0:
            page, cursor = await query_events(repo, where, after=cursor, limit=min(1000, left))
            for event in page:
                writer.writerow(_csv_row(event))
            left -= len(page)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue()

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="events.csv"'},
    )
