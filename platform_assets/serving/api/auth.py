"""Bearer tokens per team: 401 without a known token, 403 without the route's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from resources.api_tokens import TokenGrant, digest

# Declares the scheme in the OpenAPI docs; the header itself is read by ``authorize``.
_bearer = HTTPBearer(auto_error=False, description="A team token from SLUICE_API_TOKENS")


class AuthError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def authorize(authorization: str | None, scope: str, grants: dict[str, TokenGrant]) -> TokenGrant:
    """The grant of ``Authorization: Bearer <token>`` if it holds ``scope``; AuthError if not."""
    grant = None
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            grant = grants.get(digest(token))
    if grant is None:
        raise AuthError(401, "missing or unknown bearer token (Authorization: Bearer <token>)")
    if scope not in grant.scopes:
        raise AuthError(403, f"the token of team {grant.team} does not hold the {scope!r} scope")
    return grant


def require_scope(scope: str):
    """A dependency that admits a token holding ``scope`` and returns its grant."""

    def check(request: Request, _docs: Annotated[object, Depends(_bearer)]) -> TokenGrant:
        grants = request.app.state.serving.tokens
        return authorize(request.headers.get("authorization"), scope, grants)

    return check


HistoryGrant = Annotated[TokenGrant, Depends(require_scope("history"))]
StatsGrant = Annotated[TokenGrant, Depends(require_scope("stats"))]
