"""The API's app factory: what it reads (storage, Postgres, tokens) and how errors look.

It keeps no state of its own: every answer comes from storage and Postgres, read through the
same settings as the platform (SLUICE_STORAGE_URL, SLUICE_POSTGRES_URL, ...).
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from dataclasses import dataclass

import orjson
from fastapi import FastAPI, Request, Response

from platform_assets.serving.api.auth import AuthError
from platform_assets.serving.api.history import HistoryReader
from platform_assets.serving.api.params import BadRequest
from platform_assets.serving.api.routes import router
from platform_assets.serving.api.stats import MartMissingError, StatsReader
from platform_assets.serving.api.stats_route import StatsFastPath
from resources.api_tokens import TokenGrant, load_tokens
from resources.postgres import POSTGRES_URL_VARIABLE
from resources.storage import StorageResource


@dataclass
class Serving:
    storage: StorageResource
    history: HistoryReader
    stats: StatsReader
    tokens: dict[str, TokenGrant]


def _error(status: int, message: str, headers: dict | None = None) -> Response:
    return Response(
        orjson.dumps({"error": message}), status, headers, media_type="application/json"
    )


def create_app(
    storage: StorageResource | None = None,
    postgres_url: str | None = None,
    tokens: dict[str, TokenGrant] | None = None,
) -> StatsFastPath:
    """The API over ``storage`` and ``postgres_url`` (default: the SLUICE_* settings): the
    FastAPI app behind StatsFastPath, which answers the stats route itself (it delegates
    attributes, so callers use it as the FastAPI app)."""
    storage = storage or StorageResource()
    postgres_url = postgres_url or os.environ.get(POSTGRES_URL_VARIABLE)
    if not postgres_url:
        raise ValueError(
            f"{POSTGRES_URL_VARIABLE} is not set: the stats route reads the engagement mart there"
        )
    serving = Serving(
        storage,
        HistoryReader(storage),
        StatsReader(postgres_url),
        tokens if tokens is not None else load_tokens(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await serving.stats.open()
        yield
        await serving.stats.close()

    app = FastAPI(
        title="Sluice serving API",
        description="A user's event history (from the user-keyed copy of the lake) and daily "
        "statistics (from engagement.user_daily_activity). Bearer tokens per team.",
        version="1",
        lifespan=lifespan,
    )
    app.state.serving = serving
    app.include_router(router)

    @app.exception_handler(BadRequest)
    async def bad_request(_request: Request, err: BadRequest):
        return _error(400, str(err))

    @app.exception_handler(AuthError)
    async def unauthorized(_request: Request, err: AuthError):
        headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
        return _error(err.status, err.message, headers)

    @app.exception_handler(MartMissingError)
    async def mart_missing(_request: Request, err: MartMissingError):
        return _error(503, str(err))

    return StatsFastPath(app, serving)
