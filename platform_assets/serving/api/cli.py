"""``sluice-api``: serve the API with uvicorn (default http://127.0.0.1:8000, docs at /docs)."""

from __future__ import annotations

import argparse
import sys

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sluice-api", description=__doc__)
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--log-level",
        default="info",
        help="uvicorn's log level (default info; tokens never logged)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (one per core)"
    )
    args = parser.parse_args(argv)

    import uvicorn

    from platform_assets.serving.api.app import create_app
    from resources.api_tokens import ApiTokenError
    from resources.storage import StorageConfigError

    try:
        app = create_app()  # checked here, so a bad setting is one line, not a worker's traceback
    except (ApiTokenError, StorageConfigError, ValueError) as err:
        print(f"sluice-api: {err}", file=sys.stderr)
        sys.exit(2)
    # The access log holds the method, path and query, never headers: tokens stay out of it.
    if args.workers > 1:
        del app
        uvicorn.run(
            "platform_assets.serving.api.app:create_app",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
        )
    else:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
