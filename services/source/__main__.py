"""`python -m services.source`: serve the snapshot as a TMDb v3 replay on a loopback port."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from pydantic import SecretStr, ValidationError

from services.source.app import SourceConfig, create_app
from services.source.drift import DRIFT_PROFILES
from services.source.faults import FaultConfig
from trending_now.config import Settings

logger = logging.getLogger("services.source")


def _parser(settings: Settings) -> argparse.ArgumentParser:
    """The command-line options; defaults come from Settings."""
    parser = argparse.ArgumentParser(prog="python -m services.source", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="interface to bind (loopback)")
    parser.add_argument("--port", type=int, default=settings.source_port, help="TCP port")
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=settings.snapshot_path,
        help="movies JSON Lines file (.xz, .gz or plain) in the snapshot schema",
    )
    faults = parser.add_argument_group("faults (also switchable at run time: PUT /_admin/faults)")
    faults.add_argument("--error-rate", type=float, default=0.0, help="share of 500/502/503")
    faults.add_argument("--rate-limit-rate", type=float, default=0.0, help="share of 429s")
    faults.add_argument("--malformed-rate", type=float, default=0.0, help="share of bad bodies")
    faults.add_argument("--latency-ms", type=float, default=0.0, help="delay added per request")
    faults.add_argument("--retry-after-s", type=int, default=1, help="Retry-After on 429s")
    faults.add_argument("--seed", type=int, default=None, help="seed of the fault RNG")
    faults.add_argument(
        "--drift",
        choices=DRIFT_PROFILES,
        default="none",
        help="serve shifted data: another genre mix, other languages, shorter reviews (drift.py)",
    )
    faults.add_argument("--drift-seed", type=int, default=0, help="seed of the drift profile")
    parser.add_argument("--log-level", default="info", help="logging level")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser


def _fault_config(args: argparse.Namespace) -> FaultConfig:
    """The fault switches given on the command line."""
    return FaultConfig(
        error_rate=args.error_rate,
        rate_limit_rate=args.rate_limit_rate,
        malformed_rate=args.malformed_rate,
        latency_ms=args.latency_ms,
        retry_after_s=args.retry_after_s,
        seed=args.seed,
        drift=args.drift,
        drift_seed=args.drift_seed,
    )


def _api_key(settings: Settings) -> SecretStr:
    """The key clients must present; the server refuses to start without one."""
    if settings.tmdb_api_key is None or not settings.tmdb_api_key.get_secret_value().strip():
        raise SystemExit("TRENDING_TMDB_API_KEY is not set: the replay source needs a key")
    key: SecretStr = settings.tmdb_api_key
    return key


def main(argv: Sequence[str] | None = None) -> None:
    """Parse options, build the app and serve until interrupted."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SystemExit(
            f"invalid settings: {exc.error_count()} error(s); check TRENDING_*"
        ) from None
    args = _parser(settings).parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        faults = _fault_config(args)
    except ValidationError as exc:
        raise SystemExit(f"invalid fault flags: {exc}") from None
    config = SourceConfig(snapshot_path=args.snapshot, api_key=_api_key(settings), faults=faults)
    app = create_app(config)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower(),
        access_log=args.access_log,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
