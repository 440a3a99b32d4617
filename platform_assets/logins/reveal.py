"""Reveal the ip and device_id of logins, for an operator who holds the encryption key.

    python -m platform_assets.logins.reveal --message-id <id>
    sluice-reveal-login --user-id <uuid> [--postgres-url postgresql://...]

Reads user_logins (SLUICE_POSTGRES_URL) and decrypts with the keys from SLUICE_PII_* or
SLUICE_PII_SECRET_ID. Output goes to stdout only; nothing is logged.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import psycopg

from platform_assets.logins.pii import RevealError, decrypt
from resources.secrets import PiiKeyError, load_pii_keys

_QUERY = """
select message_id, user_id, create_date, encrypted_ip, encrypted_device_id
from user_logins where {column} = %s order by arrival_hour, message_id
"""


def reveal(
    conninfo: str, *, message_id: str | None = None, user_id: str | None = None, keys=None
) -> list[dict]:
    """Decrypted rows for one message id or every login of one user."""
    column, value = ("message_id", message_id) if message_id else ("user_id", user_id)
    keys = keys or load_pii_keys()
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(_QUERY.format(column=column), (value,)).fetchall()
    return [
        {
            "message_id": mid,
            "user_id": uid,
            "create_date": created.isoformat(),
            "ip": decrypt(ip_token, keys.decryption_keys, "ip"),
            "device_id": decrypt(device_token, keys.decryption_keys, "device_id"),
        }
        for mid, uid, created, ip_token, device_token in rows
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sluice-reveal-login", description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--message-id", help="reveal the device id of this one message")
    which.add_argument("--user-id", help="reveal the device ids of every login of this user")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SLUICE_POSTGRES_URL"),
        help="app database holding user_logins (default: $SLUICE_POSTGRES_URL)",
    )
    args = parser.parse_args(argv)
    if not args.postgres_url:
        parser.error("no database: pass --postgres-url or set SLUICE_POSTGRES_URL")
    try:
        rows = reveal(args.postgres_url, message_id=args.message_id, user_id=args.user_id)
    except (PiiKeyError, RevealError, psycopg.Error) as err:
        print(f"sluice-reveal-login: {err}", file=sys.stderr)
        return 2
    if not rows:
        print("sluice-reveal-login: no matching login", file=sys.stderr)
        return 1
    for row in rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
