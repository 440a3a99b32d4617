"""The serving API's bearer tokens, per team, with the scopes each may use.

``SLUICE_API_TOKENS``: a JSON object ``{"<token>": {"team": "<name>", "scopes": ["history",
"stats"]}}``; or ``SLUICE_API_TOKENS_SECRET_ID``: an AWS Secrets Manager secret holding the same
JSON (``SLUICE_SECRETS_ENDPOINT_URL`` points it at moto or localstack), like the PII keys.
Tokens are kept only as SHA-256 digests and never appear in an error message or a log line.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass

TOKENS_VARIABLE = "SLUICE_API_TOKENS"
TOKENS_SECRET_VARIABLE = "SLUICE_API_TOKENS_SECRET_ID"
SECRETS_ENDPOINT_VARIABLE = "SLUICE_SECRETS_ENDPOINT_URL"
SCOPES = ("history", "stats")


class ApiTokenError(ValueError):
    """The token configuration is missing or malformed (the message never holds a token)."""


@dataclass(frozen=True)
class TokenGrant:
    team: str
    scopes: frozenset[str]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_tokens(text: str, source: str) -> dict[str, TokenGrant]:
    """Token digest -> grant, from the JSON text of ``source`` (a variable or a secret's name)."""
    try:
        body = json.loads(text)
    except ValueError:
        raise ApiTokenError(f"{source} is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiTokenError(
            f"{source} must be a JSON object mapping each token to its team and scopes"
        )
    grants = {}
    for number, (token, grant) in enumerate(body.items(), start=1):
        where = f"{source}: token #{number}"
        if not isinstance(token, str) or len(token) < 16:
            raise ApiTokenError(f"{where} is shorter than 16 characters")
        if (
            not isinstance(grant, dict)
            or not isinstance(grant.get("team"), str)
            or not grant["team"]
        ):
            raise ApiTokenError(f'{where} needs {{"team": "<name>", "scopes": [...]}}')
        scopes = grant.get("scopes")
        if not isinstance(scopes, list) or not scopes or any(s not in SCOPES for s in scopes):
            raise ApiTokenError(
                f"{where} (team {grant['team']}): scopes must be a non-empty list of {list(SCOPES)}"
            )
        grants[digest(token)] = TokenGrant(grant["team"], frozenset(scopes))
    return grants


def load_tokens(env=None) -> dict[str, TokenGrant]:
    """Tokens from Secrets Manager when a secret id is set, else from SLUICE_API_TOKENS."""
    env = os.environ if env is None else env
    secret_id = env.get(TOKENS_SECRET_VARIABLE)
    if secret_id:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        client = boto3.client(
            "secretsmanager", endpoint_url=env.get(SECRETS_ENDPOINT_VARIABLE), region_name=region
        )
        try:
            text = client.get_secret_value(SecretId=secret_id)["SecretString"]
        except (ClientError, BotoCoreError) as err:
            raise ApiTokenError(
                f"cannot read API tokens from Secrets Manager secret {secret_id!r}: {err}"
            ) from None
        return parse_tokens(text, f"secret {secret_id!r}")
    text = env.get(TOKENS_VARIABLE)
    if not text or not text.strip():
        raise ApiTokenError(
            f"no API tokens: set {TOKENS_VARIABLE} to a JSON object "
            '{"<token>": {"team": "<name>", "scopes": ["history", "stats"]}} '
            f"or {TOKENS_SECRET_VARIABLE}; `make dev` creates a development token"
        )
    return parse_tokens(text, TOKENS_VARIABLE)


def new_token() -> str:
    return secrets.token_urlsafe(32)
