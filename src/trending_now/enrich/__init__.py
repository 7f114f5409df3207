"""Enrich: per movie, a review summary, a vibe score, vibe tags and LLM genres, with lineage.

Inputs: `<validated_dir>/movies.parquet` and `reviews.parquet` (the validated schema); a provider
(`providers.embedded`, no network, or `providers.openai_compat`, any OpenAI-compatible endpoint)
and, for prompt-driven providers, the prompt read from AWS Secrets Manager at run time.
Outputs, `<out_dir>/` replaced as a whole (nothing half-written is published):
- `enrichments.parquet`: movie_id, summary, vibe_score, vibe_tags, llm_genres, provider, model,
  prompt_version, prompt_secret_version_id, content_hash, data_run_id, created_at;
- `failures.jsonl`: `{movie_id, reason, provider, model, prompt_version, ...}` (invalid replies
  after the corrective retry, provider errors, movies left after the cost cap);
- `flagged.jsonl`: valid results withheld by the content check, with their `flags`;
- `report.json`: counts, provider calls, tokens, cost, dropped tags, flagged items.
The cache (`cache_path`, SQLite) keeps validated results across runs: unchanged inputs, zero calls.
Params: the `enrich:` block (`EnrichParams`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from trending_now.config import EnrichParams
from trending_now.enrich.cache import EnrichCache
from trending_now.enrich.inputs import MovieInput, build_inputs
from trending_now.enrich.prompts import FetchedPrompt
from trending_now.enrich.providers import Provider
from trending_now.enrich.runner import EnrichOutcome, elapsed_since, enrich_movies
from trending_now.enrich.schema import enrichments_table
from trending_now.io import atomic_directory, write_json, write_jsonl

log = logging.getLogger(__name__)

ENRICHMENTS_FILE = "enrichments.parquet"
FAILURES_FILE = "failures.jsonl"
FLAGGED_FILE = "flagged.jsonl"
REPORT_FILE = "report.json"


class EnrichReport(BaseModel):
    """`report.json`: what one enrich run did and what it cost."""

    model_config = ConfigDict(frozen=True)

    provider: str
    model: str
    prompt_version: str
    prompt_secret_version_id: str | None
    movies: dict[str, int]  # input, enriched (published), flagged, failed, cached
    calls: int  # provider calls made by this run (HTTP requests for an LLM); 0 = all cached
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cost_cap_usd: float
    cost_cap_reached: bool
    dropped_tags: dict[str, int]  # out-of-vocabulary tags dropped from replies, by tag
    dropped_tags_total: int
    dropped_genres_total: int
    flagged: list[dict[str, Any]]  # movie_id and flags of each withheld result
    failure_reasons: dict[str, int]  # by the reason's first words
    duration_s: float


def run_stage(
    *,
    validated_dir: Path,
    out_dir: Path,
    cache_path: Path,
    provider: Provider,
    prompt: FetchedPrompt | None,
    params: EnrichParams,
    on_progress: Callable[[int, int], None] | None = None,
) -> EnrichReport:
    """Read the validated tables, enrich every movie, write the outputs atomically."""
    start = time.perf_counter()
    movies = select_movies(
        pd.read_parquet(validated_dir / "movies.parquet"),
        pd.read_parquet(validated_dir / "reviews.parquet"),
        params,
    )
    with EnrichCache(cache_path) as cache:
        outcome = enrich_movies(
            movies, provider, prompt, params, cache=cache, on_progress=on_progress
        )
    report = make_report(outcome, len(movies), params, duration_s=elapsed_since(start))
    write_outputs(out_dir, outcome, report)
    log.info("enrich: %s, %d calls, %.4f USD", report.movies, report.calls, report.cost_usd)
    return report


def select_movies(
    movies_df: pd.DataFrame, reviews_df: pd.DataFrame, params: EnrichParams
) -> list[MovieInput]:
    """The movies to enrich: by trending rank, the first `movie_limit` (all when None)."""
    if "trending_rank" in movies_df:
        movies_df = movies_df.sort_values(["trending_rank", "id"], kind="mergesort")
    if params.movie_limit is not None:
        movies_df = movies_df.head(params.movie_limit)
    return build_inputs(movies_df, reviews_df, params)


def make_report(
    outcome: EnrichOutcome, n_movies: int, params: EnrichParams, *, duration_s: float
) -> EnrichReport:
    """The run's report from its outcome."""
    lineage = outcome.lineage
    reasons: dict[str, int] = {}
    for failure in outcome.failures:
        kind = str(failure["reason"]).split(":")[0]
        reasons[kind] = reasons.get(kind, 0) + 1
    return EnrichReport(
        provider=lineage.provider,
        model=lineage.model,
        prompt_version=lineage.prompt_version,
        prompt_secret_version_id=lineage.prompt_secret_version_id,
        movies={
            "input": n_movies,
            "enriched": len(outcome.published),
            "flagged": len(outcome.flagged),
            "failed": len(outcome.failures),
            "cached": outcome.cached,
        },
        calls=outcome.usage.calls,
        prompt_tokens=outcome.usage.prompt_tokens,
        completion_tokens=outcome.usage.completion_tokens,
        cost_usd=round(outcome.usage.cost_usd, 6),
        cost_cap_usd=params.max_cost_usd,
        cost_cap_reached=outcome.cost_cap_reached,
        dropped_tags=dict(sorted(outcome.dropped_tags.items())),
        dropped_tags_total=sum(outcome.dropped_tags.values()),
        dropped_genres_total=sum(outcome.dropped_genres.values()),
        flagged=[{"movie_id": f["movie_id"], "flags": f["flags"]} for f in outcome.flagged],
        failure_reasons=reasons,
        duration_s=duration_s,
    )


def write_outputs(out_dir: Path, outcome: EnrichOutcome, report: EnrichReport) -> None:
    """All four files into a staged folder that replaces `out_dir` in one swap."""
    with atomic_directory(out_dir) as stage:
        enrichments_table(outcome.published).to_parquet(stage / ENRICHMENTS_FILE, index=False)
        write_jsonl(stage / FAILURES_FILE, outcome.failures)
        write_jsonl(stage / FLAGGED_FILE, outcome.flagged)
        write_json(stage / REPORT_FILE, report.model_dump(mode="json"))
