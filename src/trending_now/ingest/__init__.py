"""Ingest: fetch the trending movies with details, reviews and US providers into a raw run folder.

Inputs: the source API (TMDb v3 or the bundled replay server) at `base_url`, with `api_key`.
Outputs: `raw_dir/<run_id>/{trending,movies,reviews,failures}.jsonl` + `manifest.json`, then
`raw_dir/LATEST` (see raw.py; SPEC "Raw run folder"). Reviewer identities are pseudonymised with
`salt` and review text is scrubbed of e-mail addresses and links before anything is written.

Params (`ingest:` in params.yaml): time_window, movie_limit, max_review_pages, concurrency,
max_attempts, backoff_base_s, backoff_max_s, timeout_s.

A movie is written whole or not at all: if its details, reviews or providers still fail after
the retry budget, it goes to failures.jsonl instead. A rejected API key stops the run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from trending_now.config import IngestParams
from trending_now.ingest.privacy import sanitise_review
from trending_now.ingest.raw import RawRun, check_run_id, write_latest, write_run
from trending_now.ingest.tmdb import RetryPolicy, TmdbClient, TmdbError, TmdbHTTPError

__all__ = ["IngestResult", "ProgressCallback", "run_stage"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]

# Statuses that mean "this whole run cannot work" rather than "this movie failed".
_FATAL_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class IngestResult:
    """Where the run was written and how many records each file holds."""

    run_dir: Path
    counts: Mapping[str, int]


@dataclass(frozen=True)
class _Movie:
    """One movie fetched in full, or the failures that kept it out."""

    record: dict[str, Any] | None
    reviews: list[dict[str, Any]]
    failures: list[dict[str, Any]]


def _failure_or_raise(kind: str, movie_id: int, exc: TmdbError) -> dict[str, Any]:
    """A failures.jsonl line (reason without the URL); re-raise errors that doom the run."""
    if isinstance(exc, TmdbHTTPError) and exc.status in _FATAL_STATUSES:
        raise exc
    message = str(exc).removesuffix(f" [{exc.url}]")
    return {
        "kind": kind,
        "id": movie_id,
        "url": exc.url,
        "reason": f"{type(exc).__name__}: {message}",
    }


async def _fetch_movie(
    client: TmdbClient, movie_id: int, params: IngestParams, salt: str
) -> _Movie:
    """Details, then reviews and providers together; any failure drops the movie whole."""
    try:
        details = await client.movie_details(movie_id)
    except TmdbError as exc:
        return _Movie(None, [], [_failure_or_raise("details", movie_id, exc)])
    reviews, providers = await asyncio.gather(
        client.movie_reviews(movie_id, max_pages=params.max_review_pages),
        client.watch_providers(movie_id, region="US"),
        return_exceptions=True,
    )
    failures = [
        _failure_or_raise(kind, movie_id, result)
        for kind, result in (("reviews", reviews), ("watch_providers", providers))
        if isinstance(result, TmdbError)
    ]
    for result in (reviews, providers):
        if isinstance(result, BaseException) and not isinstance(result, TmdbError):
            raise result
    if failures:
        return _Movie(None, [], failures)
    assert isinstance(reviews, list)
    assert providers is None or isinstance(providers, dict)
    record = {"id": movie_id, "details": details, "watch_providers": providers}
    clean = [{"movie_id": movie_id, "review": sanitise_review(r, salt)} for r in reviews]
    return _Movie(record, clean, [])


def _trending_rows(items: list[dict[str, Any]], window: str) -> list[dict[str, Any]]:
    """trending.jsonl lines: rank from 1, first occurrence of an id wins."""
    seen: dict[int, None] = {}
    for item in items:
        seen.setdefault(int(item["id"]), None)
    return [{"rank": rank, "id": mid, "window": window} for rank, mid in enumerate(seen, start=1)]


async def fetch_run(
    client: TmdbClient,
    params: IngestParams,
    *,
    salt: str,
    on_progress: ProgressCallback | None = None,
) -> RawRun:
    """Fetch one run through `client`; records come back in the raw folder's sorted order."""
    items = await client.trending(params.time_window, limit=params.movie_limit)
    trending = _trending_rows(items, params.time_window)
    done = 0

    async def _tracked(movie_id: int) -> _Movie:
        nonlocal done
        movie = await _fetch_movie(client, movie_id, params, salt)
        done += 1
        if on_progress is not None:
            on_progress(done, len(trending))
        return movie

    movies = await asyncio.gather(*(_tracked(row["id"]) for row in trending))
    movies = sorted(movies, key=lambda m: (m.record or {}).get("id", 0))
    return RawRun(
        trending=trending,
        movies=[m.record for m in movies if m.record is not None],
        reviews=[r for m in movies for r in m.reviews],
        failures=sorted(
            (f for m in movies for f in m.failures), key=lambda f: (f["id"], f["kind"], f["url"])
        ),
    )


async def _fetch_with_client(
    base_url: str,
    api_key: str,
    params: IngestParams,
    *,
    salt: str,
    transport: httpx.AsyncBaseTransport | None,
    on_progress: ProgressCallback | None = None,
) -> RawRun:
    """Open a client configured from params, fetch the run, close the client."""
    async with TmdbClient(
        base_url,
        api_key,
        retry=RetryPolicy.from_params(params),
        timeout_s=params.timeout_s,
        concurrency=params.concurrency,
        transport=transport,
    ) as client:
        run = await fetch_run(client, params, salt=salt, on_progress=on_progress)
        log.info("source requests: %s", client.stats.as_dict())
    return run


def run_stage(
    *,
    base_url: str,
    api_key: str,
    salt: str,
    params: IngestParams,
    raw_dir: Path,
    run_id: str,
    source_name: str = "tmdb-replay",
    transport: httpx.AsyncBaseTransport | None = None,
    on_progress: ProgressCallback | None = None,
) -> IngestResult:
    """Fetch a run from the source and write `raw_dir/<run_id>/` atomically, then LATEST.

    `on_progress(done, total)` is called after each movie (the CLI draws a progress bar with it).
    """
    check_run_id(run_id)
    run = asyncio.run(
        _fetch_with_client(
            base_url, api_key, params, salt=salt, transport=transport, on_progress=on_progress
        )
    )
    manifest = {
        "run_id": run_id,
        "source": source_name,
        "window": params.time_window,
        "movie_limit": params.movie_limit,
        "counts": run.counts(),
    }
    run_dir = write_run(raw_dir, run_id, run, manifest)
    write_latest(raw_dir, run_id)
    log.info("ingested run %s into %s: %s", run_id, run_dir, run.counts())
    return IngestResult(run_dir=run_dir, counts=run.counts())
