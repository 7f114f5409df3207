"""Enrichment throughput of the embedded provider on the shipped data, and the cache.

Runs the enrich stage (embedded provider: packaged MiniLM on CPU) on snapshot movies in a
temporary workspace, twice: the first run computes everything, the second must come from the
cache. Writes bench/results/enrich.json: movies/s of the first run, the second run's provider
calls (target 0) and its time as a ratio of the first.

Usage: python bench/enrich_throughput.py [--movies N] (0 = all 621; about 0.4 s each on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HOME", str(ROOT / "var" / "hf"))

from tests.utils.enrich import (  # noqa: E402
    make_input,
    snapshot_frames,
    write_validated,
)
from trending_now.config import load_params  # noqa: E402
from trending_now.enrich import run_stage  # noqa: E402
from trending_now.enrich.providers import ProviderRequest  # noqa: E402
from trending_now.enrich.providers.embedded import EmbeddedProvider  # noqa: E402


def main() -> None:
    """Run the benchmark and write its JSON result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--movies", type=int, default=0, help="snapshot movies (0 = all)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "enrich.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    params = load_params(ROOT / "params.yaml").enrich
    movies, reviews = snapshot_frames()
    if args.movies:
        movies = movies.sample(n=args.movies, random_state=0)
    reviews = reviews[reviews["movie_id"].isin(movies["id"])]
    provider = EmbeddedProvider(params.embedded, vote_weight=params.vote_weight)
    start = time.perf_counter()
    provider.complete(ProviderRequest(make_input(0)))  # model load + vocabulary embeddings
    load_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        kwargs = {
            "validated_dir": write_validated(Path(tmp) / "validated", movies, reviews),
            "out_dir": Path(tmp) / "enriched",
            "cache_path": Path(tmp) / "cache.sqlite3",
            "provider": provider,
            "prompt": None,
            "params": params,
        }
        runs = []
        for _ in range(2):
            start = time.perf_counter()
            report = run_stage(**kwargs)  # type: ignore[arg-type]
            runs.append((time.perf_counter() - start, report))
    (first_s, first), (second_s, second) = runs
    result = {
        "provider": first.provider,
        "model": first.model,
        "movies": len(movies),
        "movies_in_snapshot": 621,
        "subset": bool(args.movies),
        "model_load_s": round(load_s, 2),
        "first_run_s": round(first_s, 2),
        "movies_per_s": round(len(movies) / first_s, 3),
        "first_run_calls": first.calls,
        "first_run_counts": first.movies,
        "second_run_s": round(second_s, 3),
        "second_run_calls": second.calls,
        "second_to_first_time_ratio": round(second_s / first_s, 4),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "params": params.embedded.model_dump(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
