"""The real replay server (subprocess) and the TMDb client, through injected faults."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.utils.servers import TEST_API_KEY, start_source_server
from trending_now.ingest.tmdb import RetryPolicy, TmdbClient, TmdbHTTPError

pytestmark = pytest.mark.integration

FAULTS = {"error_rate": 0.2, "rate_limit_rate": 0.1, "malformed_rate": 0.05, "seed": 20260309}
MOVIES = 50


def make_client(base_url: str, api_key: str = TEST_API_KEY) -> TmdbClient:
    """A client patient enough for the fault mix, with short backoffs to keep the test fast."""
    retry = RetryPolicy(max_attempts=10, backoff_base_s=0.01, backoff_max_s=0.05)
    return TmdbClient(base_url, api_key, retry=retry, timeout_s=5.0, concurrency=8)


async def fetch_movie(client: TmdbClient, movie_id: int) -> dict[str, Any]:
    """Everything the ingest stage fetches for one movie."""
    details, reviews, providers = await asyncio.gather(
        client.movie_details(movie_id),
        client.movie_reviews(movie_id, max_pages=5),
        client.watch_providers(movie_id),
    )
    return {"details": details, "reviews": reviews, "providers": providers}


async def fetch_all(base_url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    async with make_client(base_url) as client:
        trending = await client.trending("week", limit=MOVIES)
        movies = await asyncio.gather(*(fetch_movie(client, m["id"]) for m in trending))
        return trending, movies, client.stats


def test_client_survives_faults_against_the_real_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with start_source_server(tmp_path, faults=FAULTS) as base_url:
        trending, movies, stats = asyncio.run(fetch_all(base_url))
    assert len(trending) == MOVIES == len({m["id"] for m in trending})
    assert [m["details"]["id"] for m in movies] == [m["id"] for m in trending]
    assert all(m["reviews"] and len(m["reviews"]) <= 30 for m in movies)
    assert all(len({r["id"] for r in m["reviews"]}) == len(m["reviews"]) for m in movies)
    assert sum(m["providers"] is not None for m in movies) > MOVIES // 2
    assert stats.failures == 0
    assert {"HTTP 429", "malformed"} <= set(stats.retry_reasons)
    assert any(reason.startswith("HTTP 5") for reason in stats.retry_reasons)
    assert TEST_API_KEY not in caplog.text


def test_wrong_key_is_refused_without_retries(tmp_path: Path) -> None:
    async def details_with_wrong_key(base_url: str) -> None:
        async with make_client(base_url, api_key="not-the-key") as client:
            try:
                await client.movie_details(11)
            finally:
                assert client.stats.requests == 1

    with start_source_server(tmp_path) as base_url:
        with pytest.raises(TmdbHTTPError) as info:
            asyncio.run(details_with_wrong_key(base_url))
        health = httpx.get(base_url.removesuffix("/3") + "/health").json()
    assert info.value.status == 401
    assert health == {"status": "ok", "movies": 621}
