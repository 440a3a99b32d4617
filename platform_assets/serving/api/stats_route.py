"""The stats route without the framework: scenario 3's mobile traffic is this route, so it is
served straight from the ASGI scope (no routing table, dependency injection or middleware
stack; measured in docs/serving.md, "Performance"). FastAPI still declares the route, so the
OpenAPI docs describe it, and its handler answers through the same ``stats_answer``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl

import orjson

from platform_assets.serving.api import params
from platform_assets.serving.api.auth import AuthError, authorize
from platform_assets.serving.api.stats import MartMissingError

PREFIX, SUFFIX = "/v1/users/", "/stats"
_JSON = (b"content-type", b"application/json")


async def stats_answer(
    serving, user_id: str, authorization: str | None, query: dict[str, str]
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """(status, JSON body, extra headers) of a stats request: 200, 400, 401, 403 or 503."""
    try:
        authorize(authorization, "stats", serving.tokens)
        user_id = params.user_id(user_id)
        days = params.bounded_int(
            "days", query.get("days"), params.DEFAULT_DAYS, 1, params.MAX_DAYS
        )
        last = params.a_date("end", query.get("end")) or datetime.now(UTC).date()
        wanted = params.event_types(query.get("types"))
        body = await serving.stats.daily(user_id, last, days, wanted)
    except params.BadRequest as err:
        return 400, orjson.dumps({"error": str(err)}), []
    except AuthError as err:
        headers = [(b"www-authenticate", b"Bearer")] if err.status == 401 else []
        return err.status, orjson.dumps({"error": err.message}), headers
    except MartMissingError as err:
        return 503, orjson.dumps({"error": str(err)}), []
    return 200, orjson.dumps({"user_id": user_id, **body}), []


class StatsFastPath:
    """ASGI: ``GET /v1/users/{user_id}/stats`` answered here, everything else by ``app``."""

    def __init__(self, app, serving):
        self.app, self.serving = app, serving

    def __getattr__(self, name):  # app.state, app.openapi(), ... of the FastAPI app
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            # The same match as FastAPI's {user_id}: one non-empty path segment.
            if path.startswith(PREFIX) and path.endswith(SUFFIX):
                user_id = path[len(PREFIX) : -len(SUFFIX)]
                if user_id and "/" not in user_id:
                    await self._stats(scope, send, user_id)
                    return
        await self.app(scope, receive, send)

    async def _stats(self, scope, send, user_id: str) -> None:
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
        # Repeated parameters: the last one wins, as in Starlette's QueryParams.
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        status, body, headers = await stats_answer(self.serving, user_id, authorization, query)
        headers += [_JSON, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
