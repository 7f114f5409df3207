"""Ingest throughput: serial vs bounded-concurrent fetching against the replay source.

Starts the replay server with injected latency (50 ms by default), then fetches details, reviews
and watch providers for N trending movies with concurrency 1 and with the bounded concurrency
(params.yaml `ingest.concurrency`, and 16), each repeated; reports medians and speed-ups and
writes `bench/results/ingest_throughput.json`.

Run: `.venv/bin/python bench/ingest_throughput.py [--movies 100] [--repeats 3]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ingest_throughput.json"
TARGET_SPEEDUP = 5.0

logger = logging.getLogger("bench.ingest_throughput")


@dataclass(frozen=True)
class Run:
    """Timings of one concurrency level."""

    concurrency: int
    seconds: list[float]
    requests: int

    @property
    def median_s(self) -> float:
        """Median wall time of the repeats."""
        return statistics.median(self.seconds)


async def _fetch_movie(client: Any, movie_id: int, max_pages: int) -> None:
    """The per-movie fetches of the ingest stage."""
    await client.movie_details(movie_id)
    await client.movie_reviews(movie_id, max_pages=max_pages)
    await client.watch_providers(movie_id)


def _client(base_url: str, concurrency: int, params: Any) -> Any:
    """A TmdbClient with the params' retry policy and timeout."""
    from tests.utils.servers import TEST_API_KEY
    from trending_now.ingest.tmdb import RetryPolicy, TmdbClient

    retry = RetryPolicy.from_params(params)
    return TmdbClient(
        base_url, TEST_API_KEY, retry=retry, timeout_s=params.timeout_s, concurrency=concurrency
    )


async def _timed_fetch(base_url: str, ids: list[int], concurrency: int, params: Any) -> Run:
    """Fetch every movie once with a fresh client; wall time and request count."""
    async with _client(base_url, concurrency, params) as client:
        started = time.perf_counter()
        await asyncio.gather(*(_fetch_movie(client, i, params.max_review_pages) for i in ids))
        elapsed = time.perf_counter() - started
    return Run(concurrency, [elapsed], client.stats.requests)


async def _trending_ids(base_url: str, limit: int, params: Any) -> list[int]:
    """The ids of the first `limit` trending movies (not timed)."""
    async with _client(base_url, 4, params) as client:
        return [m["id"] for m in await client.trending("week", limit=limit)]


def _measure(
    base_url: str, ids: list[int], levels: list[int], repeats: int, params: Any
) -> list[Run]:
    """Each concurrency level `repeats` times, interleaved so drift hits all levels alike."""
    seconds: dict[int, list[float]] = {level: [] for level in levels}
    requests: dict[int, int] = {}
    for repeat in range(repeats):
        for level in levels:
            run = asyncio.run(_timed_fetch(base_url, ids, level, params))
            seconds[level] += run.seconds
            requests[level] = run.requests
            logger.info("repeat %d concurrency %d: %.2fs", repeat + 1, level, run.seconds[0])
    return [Run(level, seconds[level], requests[level]) for level in levels]


def _report(runs: list[Run], args: argparse.Namespace, default_level: int) -> dict[str, Any]:
    """The JSON result: medians, speed-ups over serial and whether the target is met."""
    serial = runs[0].median_s
    rows = [
        asdict(r) | {"median_s": round(r.median_s, 3), "speedup": round(serial / r.median_s, 2)}
        for r in runs
    ]
    default_speedup = serial / next(r.median_s for r in runs if r.concurrency == default_level)
    return {
        "movies": args.movies,
        "repeats": args.repeats,
        "latency_ms": args.latency_ms,
        "default_concurrency": default_level,
        "runs": rows,
        "speedup_default": round(default_speedup, 2),
        "target_speedup": TARGET_SPEEDUP,
        "target_met": default_speedup >= TARGET_SPEEDUP,
    }


def _write_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON via a temp file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _print_table(report: dict[str, Any]) -> None:
    """A small rich table of the medians."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"ingest throughput: {report['movies']} movies, {report['latency_ms']} ms")
    for column in ("concurrency", "requests", "median s", "speed-up"):
        table.add_column(column, justify="right")
    for row in report["runs"]:
        table.add_row(*(str(row[k]) for k in ("concurrency", "requests", "median_s", "speedup")))
    Console().print(table)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--movies", type=int, default=100, help="movies to fetch per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per concurrency level")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="injected server latency")
    parser.add_argument("--also", type=int, nargs="*", default=[16], help="extra levels to try")
    parser.add_argument("--out", type=Path, default=RESULTS, help="result JSON path")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when the default concurrency misses the target speed-up."""
    from tests.utils.servers import start_source_server
    from trending_now.config import load_params

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = _parse_args(argv)
    params = load_params(ROOT / "params.yaml").ingest
    levels = sorted({1, params.concurrency, *args.also})
    with tempfile.TemporaryDirectory() as tmp:
        faults = {"latency_ms": args.latency_ms}
        with start_source_server(Path(tmp), faults=faults) as base_url:
            ids = asyncio.run(_trending_ids(base_url, args.movies, params))
            runs = _measure(base_url, ids, levels, args.repeats, params)
    report = _report(runs, args, params.concurrency)
    _write_atomic(args.out, report)
    _print_table(report)
    logger.info("speed-up at concurrency %d: %.1fx", params.concurrency, report["speedup_default"])
    return 0 if report["target_met"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # run as a script: make `tests.utils` importable
    sys.exit(main())
