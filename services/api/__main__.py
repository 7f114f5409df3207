"""`python -m services.api`: serve the API (and the built front end) on a loopback port."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import uvicorn
from pydantic import ValidationError

from services.api.main import create_app
from trending_now.config import Settings


def main(argv: Sequence[str] | None = None) -> None:
    """Parse options, build the app from settings and serve until interrupted."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SystemExit(
            f"invalid settings: {exc.error_count()} error(s); check TRENDING_*"
        ) from None
    parser = argparse.ArgumentParser(prog="python -m services.api", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="interface to bind (loopback)")
    parser.add_argument("--port", type=int, default=settings.api_port, help="TCP port")
    parser.add_argument("--log-level", default="info", help="logging level")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host=args.host, port=args.port,
                log_level=args.log_level.lower(), access_log=args.access_log)  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
