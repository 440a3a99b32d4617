"""The API's routes: health, a user's event history, a user's daily statistics."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from platform_assets.serving.api import cursor as paging
from platform_assets.serving.api import params
from platform_assets.serving.api.auth import HistoryGrant, StatsGrant
from platform_assets.serving.api.stats_route import stats_answer
from platform_assets.serving.layout import PREFIX

router = APIRouter()


def json_response(body, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


@router.get("/health", summary="Storage and Postgres are reachable")
async def health(request: Request) -> Response:
    serving = request.app.state.serving
    failing = {}
    try:
        await run_in_threadpool(
            lambda: next(iter(serving.storage.list_objects(PREFIX, limit=1)), None)
        )
    except Exception as err:  # noqa: BLE001 - any failure means unavailable
        failing["storage"] = type(err).__name__
    try:
        await serving.stats.ping()
    except Exception as err:  # noqa: BLE001
        failing["postgres"] = type(err).__name__
    if failing:
        return json_response({"status": "unavailable", "failing": failing}, 503)
    return json_response({"status": "ok"})


@router.get("/v1/users/{user_id}/events", summary="A user's valid events, oldest first")
def user_events(
    request: Request,
    user_id: str,
    _grant: HistoryGrant,
    start: Annotated[
        str | None, Query(description="first event date, YYYY-MM-DD (inclusive)")
    ] = None,
    end: Annotated[str | None, Query(description="last event date, YYYY-MM-DD (inclusive)")] = None,
    type: Annotated[str | None, Query(description="only events of this type")] = None,
    limit: Annotated[str | None, Query(description="events per page, 1..1000, default 100")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    user_id = params.user_id(user_id)
    first, last = params.date_range(start, end)
    event_type = params.event_type("type", type)
    size = params.bounded_int("limit", limit, params.DEFAULT_LIMIT, 1, params.MAX_LIMIT)
    first_s, last_s = (first.isoformat() if first else None), (last.isoformat() if last else None)
    fingerprint = paging.query_fingerprint(user_id, first_s, last_s, event_type)
    try:
        after = paging.decode(cursor, fingerprint) if cursor is not None else None
    except paging.CursorError as err:
        raise params.BadRequest(str(err)) from None
    # One more than the page: whether another page exists without a second query.
    events = request.app.state.serving.history.page(
        user_id, first_s, last_s, event_type, after, size + 1
    )
    more = len(events) > size
    events = events[:size]
    next_cursor = None
    if more:
        last_event = events[-1]
        next_cursor = paging.encode(
            paging.Position(last_event.created_at_ms, last_event.event_id), fingerprint
        )
    return json_response(
        {
            "user_id": user_id,
            "events": [
                {
                    "event_id": e.event_id,
                    "event_type": e.event_type,
                    "created_at": e.created_at,
                    # The JSON text as it arrived, byte for byte (not re-serialized).
                    "attributes": orjson.Fragment(e.attributes),
                    "meta": orjson.Fragment(e.meta),
                }
                for e in events
            ],
            "next_cursor": next_cursor,
        }
    )


@router.get("/v1/users/{user_id}/stats", summary="A user's daily event counts over N days")
async def user_stats(
    request: Request,
    user_id: str,
    _grant: StatsGrant,
    days: Annotated[str | None, Query(description="window length, 1..366, default 7")] = None,
    end: Annotated[
        str | None, Query(description="last date of the window, default today (UTC)")
    ] = None,
    types: Annotated[
        str | None, Query(description="comma-separated event types (default: all)")
    ] = None,
) -> Response:
    """Declared here for the OpenAPI docs; requests are answered by StatsFastPath
    (stats_route.py) with the same ``stats_answer`` before they reach the router."""
    query = {"days": days, "end": end, "types": types}
    status, body, headers = await stats_answer(
        request.app.state.serving,
        user_id,
        request.headers.get("authorization"),
        {name: value for name, value in query.items() if value is not None},
    )
    return Response(
        body,
        status,
        {name.decode(): value.decode() for name, value in headers},
        media_type="application/json",
    )
