"""Bearer tokens per team: 401 without a known token, 403 without the route's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from resources.api_tokens import TokenGrant, digest

_bearer = HTTPBearer(auto_error=False, description="A team token from SLUICE_API_TOKENS")


class AuthError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def require_scope(scope: str):
    """A dependency that admits a token holding ``scope`` and returns its grant."""

    def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> TokenGrant:
        grants: dict[str, TokenGrant] = request.app.state.serving.tokens
        grant = grants.get(digest(credentials.credentials)) if credentials else None
        if grant is None:
            raise AuthError(401, "missing or unknown bearer token (Authorization: Bearer <token>)")
        if scope not in grant.scopes:
            raise AuthError(
                403, f"the token of team {grant.team} does not hold the {scope!r} scope"
            )
        return grant

    return check


HistoryGrant = Annotated[TokenGrant, Depends(require_scope("history"))]
StatsGrant = Annotated[TokenGrant, Depends(require_scope("stats"))]
